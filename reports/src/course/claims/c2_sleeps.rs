//! C2: 10 000 concurrent sleeps take about as long as one.
//!
//! Rule: the batch wall time of 10 000 concurrent sleeps over that of a
//! single sleep of the same length — the ratio of the two cases' walls,
//! with its 95 % interval — must be below 1.25 under `py-asyncio` (the
//! course's own example) and under `tokio-mt`. The seed measured 5.28 s
//! for 10 000 sleeps of 5 s: 1.06×. 1.25 allows a quarter more, so the
//! claim's "about as long" holds at the course's numbers and fails
//! where creating the tasks costs more than a quarter of a sleep.

use super::{lines, series, sleep_secs, ClaimDef};
use crate::course::rule::{find, pair, ratio_of, wall, Check, Expect};
use crate::course::{times, Claim, Evidence, Quote};
use crate::figures::Point;
use crate::format::local;
use crate::{Lang, Results};

/// "About as long": at most a quarter longer.
const ABOUT: f64 = 1.25;
/// The course's count.
const MANY: u64 = 10_000;

pub(super) const DEF: ClaimDef = ClaimDef {
    claim: Claim {
        id: "C2",
        short_en: "10 000 concurrent sleeps take about as long as one",
        short_ru: "10 000 одновременных ожиданий длятся почти как одно",
        en: "10 000 concurrent sleeps on an event loop take about as long as one sleep.",
        ru: "10 000 одновременных ожиданий в цикле событий длятся почти столько же, сколько одно.",
        quotes: &[Quote {
            file: "002_7e41121ff32d9a8f.txt",
            lines: "772–797",
            text: "`await asyncio.gather(*[hello() for i in range(10000)])` … `5.27926778793335` … Неплохо. Чуть больше тех же самых 5 секунд.",
        }],
    },
    judge,
    holds: ("10 000 concurrent sleeps take about as long as one", "10 000 одновременных ожиданий длятся почти как одно"),
};

/// The runners shown, the first two judged.
const RUNNERS: [&str; 4] = ["py-asyncio", "tokio-mt", "smol", "thread-per-task"];

fn judge(r: &Results, lang: Lang) -> Evidence {
    let mut ev = Evidence::default();
    let mut numbers = Vec::new();
    for (i, runner) in RUNNERS.iter().enumerate() {
        let many = find(r, "sleep", runner, |c| c.tasks == MANY, lang);
        let one = match &many {
            Ok(m) => find(
                r,
                "sleep",
                runner,
                |c| c.tasks == 1 && c.workload_params == m.workload_params,
                lang,
            ),
            Err(_) => find(r, "sleep", runner, |c| c.tasks == 1, lang),
        };
        let duration = many.as_ref().ok().and_then(|c| sleep_secs(c));
        let what = match (lang, duration) {
            (Lang::En, Some(d)) => format!(
                "{runner}: 10 000 sleeps of {} ÷ one, wall time",
                local::duration(d, lang)
            ),
            (Lang::Ru, Some(d)) => format!(
                "{runner}: 10 000 ожиданий по {} ÷ одно, время",
                local::duration(d, lang)
            ),
            (Lang::En, None) => format!("{runner}: 10 000 sleeps ÷ one, wall time"),
            (Lang::Ru, None) => format!("{runner}: 10 000 ожиданий ÷ одно, время"),
        };
        let ratio = ratio_of(&one, &many, wall, lang);
        let check = Check::decide(
            what,
            "wall",
            pair(&one, &many),
            ratio,
            Expect::Below,
            ABOUT,
            lang,
        );
        if i < 2 {
            if let (Some(ratio), Ok(m)) = (&check.ratio, &many) {
                let w = crate::Stat::of(&wall(m)).map_or(0.0, |s| s.median);
                numbers.push(format!(
                    "{runner} {} ({})",
                    local::duration(w, lang),
                    times(ratio.value, lang)
                ));
            }
            ev.checks.push(check);
        } else if one.is_ok() && many.is_ok() {
            ev.checks.push(check.context());
        }
    }
    let d = r
        .cases
        .iter()
        .find(|c| c.workload == "sleep" && c.tasks == MANY)
        .and_then(sleep_secs);
    ev.numbers = match (lang, d) {
        (Lang::En, Some(d)) => format!(
            "10 000 sleeps of {}: {}",
            local::duration(d, lang),
            numbers.join(", ")
        ),
        (Lang::Ru, Some(d)) => format!(
            "10 000 ожиданий по {}: {}",
            local::duration(d, lang),
            numbers.join(", ")
        ),
        _ => numbers.join(", "),
    };
    if let Some(d) = d {
        if d < 5.0 {
            ev.limits.push(match lang {
                Lang::En => format!(
                    "the sleeps last {}, not the course's 5 s: the cost of starting 10 000 tasks weighs more against a shorter sleep",
                    local::duration(d, lang)
                ),
                Lang::Ru => format!(
                    "ожидания длятся {}, а не 5 с, как в курсе: на фоне короткого ожидания запуск 10 000 задач весит больше",
                    local::duration(d, lang)
                ),
            });
        }
    }
    ev.figure = Some(figure(r, lang));
    ev
}

/// Wall time of a batch against the sleeps in flight, one line per
/// runner (log–log tasks).
fn figure(r: &Results, lang: Lang) -> crate::figures::Plot {
    // One sleep length: that of the 10 000 sleeps judged (a run may hold
    // other lengths, as the full suite's 1 s sleeps for C3).
    let length = r
        .cases
        .iter()
        .find(|c| c.workload == "sleep" && c.tasks == MANY)
        .map(|c| c.workload_params.clone());
    let mut out = Vec::new();
    for runner in RUNNERS {
        let mut cases: Vec<_> = r
            .cases
            .iter()
            .filter(|c| {
                c.workload == "sleep" && c.runner == runner && crate::figures::is_drawable(c)
            })
            .filter(|c| length.as_ref().is_none_or(|p| *p == c.workload_params))
            .collect();
        cases.sort_by_key(|c| c.tasks);
        cases.dedup_by_key(|c| c.tasks);
        let points: Vec<Point> = cases
            .iter()
            .filter_map(|c| {
                let mut p = super::median_point(0, &wall(c), 1.0)?;
                p.x = (c.tasks as f64).log10();
                Some(p)
            })
            .collect();
        if let Some(c) = cases.first() {
            if points.len() > 1 {
                out.push(series(c, runner.to_string(), points));
            }
        }
    }
    lines(
        "C2",
        lang.pick(
            "sleep: wall time of a batch against the sleeps in flight",
            "sleep: время пакета в зависимости от числа одновременных ожиданий",
        )
        .into(),
        lang.pick(
            "Each point is the median wall time of one batch of concurrent sleeps, with its 95 % interval; a flat line means the sleeps overlap completely.",
            "Каждая точка — медианное время одного пакета одновременных ожиданий с 95-процентным интервалом; горизонтальная линия значит, что ожидания полностью перекрываются.",
        )
        .into(),
        (
            lang.pick("sleeps in flight", "одновременных ожиданий").into(),
            lang.pick("wall time of the batch (s)", "время пакета (с)").into(),
        ),
        true,
        out,
    )
}
