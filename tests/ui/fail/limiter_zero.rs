// A limit of 0 in a `static` is a compile-time error, not a hang at run time.
use orchestrate::Limiter;

static API: Limiter = Limiter::new(0);

fn main() {
    let _ = API.in_flight();
}
