//! The same orchestration code for every runtime example: nothing here names
//! a runtime, and the timers are orchestrate's own.

use std::time::Duration;

use orchestrate::{Elapsed, first_ok, parallel, race, settled, sleep, timeout};

#[derive(Debug)]
pub(crate) enum ShopError {
    OutOfStock(&'static str),
    TimedOut(Elapsed),
}

impl std::fmt::Display for ShopError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ShopError::OutOfStock(item) => write!(f, "{item} is out of stock"),
            ShopError::TimedOut(elapsed) => elapsed.fmt(f),
        }
    }
}

impl From<Elapsed> for ShopError {
    fn from(elapsed: Elapsed) -> Self {
        ShopError::TimedOut(elapsed)
    }
}

async fn service<T>(ms: u64, value: T) -> T {
    sleep(Duration::from_millis(ms)).await;
    value
}

#[timeout(ms = 500)]
async fn price(item: &'static str) -> Result<u32, ShopError> {
    let cents = if item == "teapot" { 2400 } else { 3900 };
    Ok(service(40, cents).await)
}

#[timeout(ms = 500)]
async fn stock(item: &'static str) -> Result<u32, ShopError> {
    let count = service(60, if item == "kettle" { 0 } else { 7 }).await;
    if count == 0 {
        Err(ShopError::OutOfStock(item))
    } else {
        Ok(count)
    }
}

/// Prices and stock side by side, a quote from the fastest shipper, a coupon
/// from whichever coupon service answers first with one.
pub(crate) async fn checkout(runtime: &str) {
    let (kettle_price, kettle_stock) = settled!(price("kettle"), stock("kettle")).await;
    let (teapot_price, teapot_stock) = parallel!(price("teapot"), stock("teapot"))
        .await
        .expect("teapot is in stock");
    let shipper = race!(service(30, "parcel-post"), service(10, "courier")).await;
    let coupon = first_ok!(
        service(20, Err::<&str, &str>("coupons-a: none")),
        service(35, Ok::<&str, &str>("SAVE10"))
    )
    .await;
    println!(
        "[{runtime}] teapot: {teapot_price} cents, {teapot_stock} in stock; ships by {shipper}; coupon {coupon:?}"
    );
    match (kettle_price, kettle_stock) {
        (Ok(price), Ok(stock)) => println!("[{runtime}] kettle: {price} cents, {stock} in stock"),
        (price, Err(error)) => println!("[{runtime}] kettle: price {price:?}; {error}"),
        (Err(error), _) => println!("[{runtime}] kettle: {error}"),
    }
}
