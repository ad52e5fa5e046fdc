//! The function-like macros at every arity, with borrowed locals, chained
//! with `.timeout()`, and with different error types under `error = …`.
#![deny(warnings, unused_qualifications)]
// Branches are often `async fn`s that await nothing: a branch must be a future.
#![allow(clippy::unused_async)]

use std::time::Duration;

use orchestrate::prelude::*;

async fn ok(n: u32) -> Result<u32, String> {
    Ok(n)
}

async fn fail(n: u32) -> Result<u32, String> {
    Err(format!("branch {n} failed"))
}

async fn value(n: u32) -> u32 {
    n
}

async fn len_of(s: &str) -> Result<usize, String> {
    Ok(s.len())
}

#[derive(Debug, PartialEq)]
enum AppError {
    Text(String),
    Code(u16),
}

impl From<String> for AppError {
    fn from(e: String) -> Self {
        AppError::Text(e)
    }
}

impl From<u16> for AppError {
    fn from(e: u16) -> Self {
        AppError::Code(e)
    }
}

async fn code(c: u16) -> Result<u32, u16> {
    Err(c)
}

// One case after another, as the trybuild pass case it was.
#[allow(clippy::too_many_lines)]
fn main() {
    futures::executor::block_on(async {
        // 1 branch
        assert_eq!(parallel!(ok(1)).await, Ok((1,)));
        assert_eq!(settled!(value(1)).await, (1,));
        assert_eq!(race!(value(1)).await, 1);
        assert_eq!(first_ok!(ok(1)).await, Ok(1));

        // 2 branches
        assert_eq!(parallel!(ok(1), ok(2)).await, Ok((1, 2)));
        assert_eq!(
            parallel!(ok(1), fail(2)).await,
            Err("branch 2 failed".to_string())
        );
        assert_eq!(
            settled!(ok(1), fail(2)).await,
            (Ok(1), Err("branch 2 failed".to_string()))
        );
        assert_eq!(race!(value(1), value(2)).await, 1);
        assert_eq!(first_ok!(fail(1), ok(2)).await, Ok(2));
        let none = first_ok!(fail(1), fail(2)).await.unwrap_err();
        assert_eq!(none.errors(), ["branch 1 failed", "branch 2 failed"]);

        // 12 branches
        let twelve = parallel!(
            ok(1),
            ok(2),
            ok(3),
            ok(4),
            ok(5),
            ok(6),
            ok(7),
            ok(8),
            ok(9),
            ok(10),
            ok(11),
            ok(12)
        )
        .await
        .unwrap();
        assert_eq!(twelve, (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12));
        let twelve = settled!(
            value(1),
            value(2),
            value(3),
            value(4),
            value(5),
            value(6),
            value(7),
            value(8),
            value(9),
            value(10),
            value(11),
            value(12)
        )
        .await;
        assert_eq!(twelve, (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12));
        assert_eq!(
            race!(
                value(1),
                value(2),
                value(3),
                value(4),
                value(5),
                value(6),
                value(7),
                value(8),
                value(9),
                value(10),
                value(11),
                value(12)
            )
            .await,
            1
        );
        assert_eq!(
            first_ok!(
                ok(1),
                ok(2),
                ok(3),
                ok(4),
                ok(5),
                ok(6),
                ok(7),
                ok(8),
                ok(9),
                ok(10),
                ok(11),
                ok(12)
            )
            .await,
            Ok(1)
        );

        // 13 branches: one past the joins compiled in the library, so each
        // call makes its own struct; it behaves as the compiled ones.
        let thirteen = parallel!(
            ok(1),
            ok(2),
            ok(3),
            ok(4),
            ok(5),
            ok(6),
            ok(7),
            ok(8),
            ok(9),
            ok(10),
            ok(11),
            ok(12),
            ok(13)
        )
        .await
        .unwrap();
        assert_eq!(thirteen.12, 13);
        assert_eq!(
            parallel!(
                ok(1),
                ok(2),
                ok(3),
                ok(4),
                ok(5),
                ok(6),
                ok(7),
                ok(8),
                ok(9),
                ok(10),
                ok(11),
                ok(12),
                fail(13)
            )
            .await
            .err(),
            Some("branch 13 failed".to_string())
        );
        let thirteen = settled!(
            value(1),
            value(2),
            value(3),
            value(4),
            value(5),
            value(6),
            value(7),
            value(8),
            value(9),
            value(10),
            value(11),
            value(12),
            value(13)
        )
        .await;
        assert_eq!(thirteen.12, 13);
        assert_eq!(
            race!(
                std::future::pending(),
                std::future::pending(),
                std::future::pending(),
                std::future::pending(),
                std::future::pending(),
                std::future::pending(),
                std::future::pending(),
                std::future::pending(),
                std::future::pending(),
                std::future::pending(),
                std::future::pending(),
                std::future::pending(),
                value(13)
            )
            .await,
            13
        );
        let none = first_ok!(
            fail(1),
            fail(2),
            fail(3),
            fail(4),
            fail(5),
            fail(6),
            fail(7),
            fail(8),
            fail(9),
            fail(10),
            fail(11),
            fail(12),
            fail(13)
        )
        .await
        .unwrap_err();
        assert_eq!(none.len(), 13);
        assert_eq!(none.errors()[12], "branch 13 failed");

        // 40 branches
        let forty = parallel!(
            ok(1),
            ok(2),
            ok(3),
            ok(4),
            ok(5),
            ok(6),
            ok(7),
            ok(8),
            ok(9),
            ok(10),
            ok(11),
            ok(12),
            ok(13),
            ok(14),
            ok(15),
            ok(16),
            ok(17),
            ok(18),
            ok(19),
            ok(20),
            ok(21),
            ok(22),
            ok(23),
            ok(24),
            ok(25),
            ok(26),
            ok(27),
            ok(28),
            ok(29),
            ok(30),
            ok(31),
            ok(32),
            ok(33),
            ok(34),
            ok(35),
            ok(36),
            ok(37),
            ok(38),
            ok(39),
            ok(40)
        )
        .await
        .unwrap();
        assert_eq!(forty.39, 40);
        let forty = settled!(
            value(1),
            value(2),
            value(3),
            value(4),
            value(5),
            value(6),
            value(7),
            value(8),
            value(9),
            value(10),
            value(11),
            value(12),
            value(13),
            value(14),
            value(15),
            value(16),
            value(17),
            value(18),
            value(19),
            value(20),
            value(21),
            value(22),
            value(23),
            value(24),
            value(25),
            value(26),
            value(27),
            value(28),
            value(29),
            value(30),
            value(31),
            value(32),
            value(33),
            value(34),
            value(35),
            value(36),
            value(37),
            value(38),
            value(39),
            value(40)
        )
        .await;
        assert_eq!(forty.0 + forty.39, 41);
        assert_eq!(
            race!(
                value(1),
                value(2),
                value(3),
                value(4),
                value(5),
                value(6),
                value(7),
                value(8),
                value(9),
                value(10),
                value(11),
                value(12),
                value(13),
                value(14),
                value(15),
                value(16),
                value(17),
                value(18),
                value(19),
                value(20),
                value(21),
                value(22),
                value(23),
                value(24),
                value(25),
                value(26),
                value(27),
                value(28),
                value(29),
                value(30),
                value(31),
                value(32),
                value(33),
                value(34),
                value(35),
                value(36),
                value(37),
                value(38),
                value(39),
                value(40)
            )
            .await,
            1
        );
        assert_eq!(
            first_ok!(
                ok(1),
                ok(2),
                ok(3),
                ok(4),
                ok(5),
                ok(6),
                ok(7),
                ok(8),
                ok(9),
                ok(10),
                ok(11),
                ok(12),
                ok(13),
                ok(14),
                ok(15),
                ok(16),
                ok(17),
                ok(18),
                ok(19),
                ok(20),
                ok(21),
                ok(22),
                ok(23),
                ok(24),
                ok(25),
                ok(26),
                ok(27),
                ok(28),
                ok(29),
                ok(30),
                ok(31),
                ok(32),
                ok(33),
                ok(34),
                ok(35),
                ok(36),
                ok(37),
                ok(38),
                ok(39),
                ok(40)
            )
            .await,
            Ok(1)
        );

        // Branches borrow locals; no 'static needed.
        let names = ["ada".to_string(), "grace".to_string()];
        let lengths = parallel!(len_of(&names[0]), len_of(&names[1])).await;
        assert_eq!(lengths, Ok((3, 5)));

        // Temporaries in branch expressions live as long as the statement.
        let n = parallel!(len_of(&String::from("abc"))).await;
        assert_eq!(n, Ok((3,)));

        // Evaluates to a future: chain `.timeout()`.
        let chained = parallel!(ok(1), ok(2))
            .timeout(Duration::from_secs(1))
            .await;
        assert_eq!(chained, Ok(Ok((1, 2))));

        // Different error types, one target named once.
        let mixed = parallel!(error = AppError; ok(1), code(503)).await;
        assert_eq!(mixed, Err(AppError::Code(503)));
        let mixed = first_ok!(error = AppError; fail(1), code(404))
            .await
            .unwrap_err();
        assert_eq!(
            mixed.into_errors(),
            [
                AppError::Text("branch 1 failed".into()),
                AppError::Code(404)
            ]
        );

        // IntoFuture branches.
        let ready = std::future::ready(Ok::<u32, String>(9));
        assert_eq!(parallel!(ready).await, Ok((9,)));
    });
}
