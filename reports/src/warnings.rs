//! Why the reader should not trust a case: one [`Warning`] per case and
//! kind, and the [`WarningGroup`]s every output shows them in — one line
//! per kind, with its count and what it means, the cases folded under it.
//!
//! The key design decision: the kinds are ordered by how much they change
//! a conclusion ([`WarningKind`]'s order), so a report opens with the
//! failed cases and the impossible speed-ups, not with a page of noisy
//! ones. Every word is in the report's language ([`Lang`]).

use serde::Serialize;

use crate::figures::{self, reference_of};
use crate::format::local::{duration, number, times_count};
use crate::{CaseRecord, CaseStatus, Interference, Lang, Repetition, Results};

/// A case the reader should not trust, with why.
#[derive(Clone, Debug, Serialize)]
pub struct Warning {
    /// Case id.
    pub case: String,
    /// What is wrong with it.
    pub kind: WarningKind,
    /// The reason, in the report's language (in English, a failure's
    /// reason as the run wrote it).
    pub reason: String,
    /// What the run wrote, shown as it is after the reason (in `<code>`):
    /// in Russian, a failure's message and a dead worker's causes, which
    /// the run records in English; `None` when the reason says it all.
    pub detail: Option<String>,
}

/// Why the reader should not trust a case. The order of the variants is
/// the order of the report's groups: what changes a conclusion first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WarningKind {
    /// The case failed.
    Failed,
    /// Its speed-up is above what the machine's cores allow
    /// ([`above_cores`]): a measurement problem, not a result.
    SpeedupAboveCores,
    /// Its digests were not checked.
    Unverified,
    /// A worker died during a measured batch.
    Disturbed,
    /// A repetition ran beside other work ([`Interference::flagged`]).
    Interference,
    /// Its embedded server kept a large share of the cores busy.
    Server,
    /// Its median throughput is not known precisely ([`noisy`]).
    Noisy,
}

impl WarningKind {
    /// Every kind, in the report's order.
    pub const ALL: [WarningKind; 7] = [
        WarningKind::Failed,
        WarningKind::SpeedupAboveCores,
        WarningKind::Unverified,
        WarningKind::Disturbed,
        WarningKind::Interference,
        WarningKind::Server,
        WarningKind::Noisy,
    ];

    /// Its name as results and HTML ids write it: `failed`,
    /// `speedup_above_cores`, …
    pub fn as_str(self) -> &'static str {
        match self {
            WarningKind::Failed => "failed",
            WarningKind::SpeedupAboveCores => "speedup_above_cores",
            WarningKind::Unverified => "unverified",
            WarningKind::Disturbed => "disturbed",
            WarningKind::Interference => "interference",
            WarningKind::Server => "server",
            WarningKind::Noisy => "noisy",
        }
    }

    /// Its name for a reader, in `lang`.
    pub fn name(self, lang: Lang) -> &'static str {
        match self {
            WarningKind::Failed => lang.pick("failed", "сбои"),
            WarningKind::SpeedupAboveCores => {
                lang.pick("speed-up above the cores", "ускорение больше числа ядер")
            }
            WarningKind::Unverified => lang.pick("unverified", "не проверены"),
            WarningKind::Disturbed => lang.pick("disturbed", "нарушенные замеры"),
            WarningKind::Interference => lang.pick("interference", "помехи"),
            WarningKind::Server => lang.pick("server-bound", "упёрлись в сервер"),
            WarningKind::Noisy => lang.pick("noisy", "шумные замеры"),
        }
    }

    /// What it means for the cases of its group, in `lang`.
    pub fn meaning(self, lang: Lang) -> &'static str {
        match self {
            WarningKind::Failed => lang.pick(
                "crashed, timed out or computed a different answer: never drawn",
                "замеры упали, не уложились во время или получили другой ответ; на рисунках их нет",
            ),
            WarningKind::SpeedupAboveCores => lang.pick(
                "a speed-up more than 5 % above the machine's logical cores, which no model can reach: a measurement problem, not a result",
                "ускорение больше числа логических ядер машины более чем на 5 %, чего не достигает ни одна модель: ошибка измерения, а не результат",
            ),
            WarningKind::Unverified => lang.pick(
                "their answers were not checked against a seq reference",
                "их ответы не сверены с эталоном seq",
            ),
            WarningKind::Disturbed => lang.pick(
                "a worker process died during a measured batch and its tasks were retried: timing is not a clean measurement",
                "во время замера погиб рабочий процесс и его задачи выполнены заново: замер не чистый",
            ),
            WarningKind::Interference => lang.pick(
                "some repetitions ran beside other work (hypervisor steal above 2 % or other processes above 10 % of the cores): their timings may be slower than the model",
                "часть повторов шла рядом с другой работой (гипервизор забирал больше 2 % ядер или чужие процессы больше 10 %): их время может быть хуже, чем у самой модели",
            ),
            WarningKind::Server => lang.pick(
                "the embedded server kept a quarter or more of the cores busy: the rate is the machine's, runner and server together",
                "встроенный сервер занимал четверть ядер или больше: скорость — всей машины, модели и сервера вместе",
            ),
            WarningKind::Noisy => lang.pick(
                "the median throughput is known only to worse than ±5 % (with fewer than 6 repetitions: throughput varied by more than 10 %): small differences between them mean nothing",
                "медиана пропускной способности известна лишь с точностью хуже ±5 % (при менее чем 6 повторах: разброс больше 10 %): малые различия между ними ничего не значат",
            ),
        }
    }
}

/// The warnings of one kind, as every output shows them: one line with
/// the count and the meaning, the cases folded under it.
#[derive(Clone, Debug, Serialize)]
pub struct WarningGroup {
    /// The kind (`noisy`).
    pub kind: WarningKind,
    /// Its name for a reader ([`WarningKind::name`]).
    pub name: String,
    /// What it means ([`WarningKind::meaning`]).
    pub meaning: String,
    /// Its warnings, in run order.
    pub warnings: Vec<Warning>,
}

impl WarningGroup {
    /// How many cases it holds.
    pub fn count(&self) -> usize {
        self.warnings.len()
    }

    /// `noisy (27): the median throughput is known only to …`.
    pub fn line(&self) -> String {
        format!("{} ({}): {}", self.name, self.count(), self.meaning)
    }

    /// The first `shown` case ids, each through `label`, then `and N
    /// more` in `lang`: `a, b, c and 24 more`.
    pub fn first_cases(&self, shown: usize, lang: Lang, label: impl Fn(&str) -> String) -> String {
        let ids: Vec<String> = self
            .warnings
            .iter()
            .take(shown)
            .map(|w| label(&w.case))
            .collect();
        let rest = self.count().saturating_sub(shown);
        if rest == 0 {
            ids.join(", ")
        } else {
            lang.pick(
                format!("{} and {rest} more", ids.join(", ")),
                format!("{} и ещё {rest}", ids.join(", ")),
            )
        }
    }
}

/// `warnings` grouped by kind, in [`WarningKind`]'s order, each group's
/// cases in the order given; kinds without a warning have no group.
pub fn group(warnings: Vec<Warning>, lang: Lang) -> Vec<WarningGroup> {
    WarningKind::ALL
        .iter()
        .filter_map(|&kind| {
            let of_kind: Vec<Warning> = warnings
                .iter()
                .filter(|w| w.kind == kind)
                .cloned()
                .collect();
            (!of_kind.is_empty()).then(|| WarningGroup {
                kind,
                name: kind.name(lang).to_string(),
                meaning: kind.meaning(lang).to_string(),
                warnings: of_kind,
            })
        })
        .collect()
}

/// How far above the logical cores a speed-up may lie before it is a
/// measurement problem rather than rounding: 5 %.
pub const SPEEDUP_SLACK: f64 = 1.05;

/// Whether case `c`, shown with a speed-up, claims more than `cores`
/// logical cores allow (× [`SPEEDUP_SLACK`]): a measurement problem — the
/// reference or the case ran beside other work, or its batches were too
/// short to time. Only a speed-up a table shows counts (a drawable case),
/// and only a CPU-bound one: IO tasks that wait overlap however few the
/// cores (40 sleeps on one event loop beat 40 in a row by far more).
pub fn above_cores(c: &CaseRecord, cores: u32) -> bool {
    c.speedup_vs_seq
        .filter(|_| figures::is_drawable(c) && c.workload_kind == crate::WorkloadKind::Cpu)
        .is_some_and(|s| s > f64::from(cores.max(1)) * SPEEDUP_SLACK)
}

/// Why a case's throughput is noisy.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Noisiness {
    /// The median's 95 % interval (order statistics, at least 6
    /// repetitions) is wider than ±5 % of it.
    Interval {
        /// The interval's half-width over the median.
        precision: f64,
        /// Repetitions.
        n: u64,
    },
    /// Fewer repetitions, or an older file without the median's
    /// interval: `Summary.noisy`, the coefficient of variation above 10 %.
    Spread {
        /// The coefficient of variation.
        cv: f64,
        /// Repetitions.
        n: u64,
    },
}

/// The widest the median throughput's 95 % interval may be, as a share
/// of the median either side, before a case is noisy.
pub const MEDIAN_PRECISION_LIMIT: f64 = 0.05;

/// Whether case `c`'s throughput is noisy, and why: by the median's
/// interval when its throughput has one at 95 % (`median_level`, from 6
/// repetitions on), else by `Summary.noisy` (the coefficient of
/// variation above 10 %). `None` when it is not, or has no summary.
pub fn noisy(c: &CaseRecord) -> Option<Noisiness> {
    let s = c.summary.as_ref()?;
    let t = &s.throughput;
    if t.median_level >= 0.95 {
        let precision = t.median_precision();
        (precision > MEDIAN_PRECISION_LIMIT).then_some(Noisiness::Interval { precision, n: t.n })
    } else {
        s.noisy.then(|| Noisiness::Spread { cv: t.cv(), n: t.n })
    }
}

/// A share (0.034) as a percentage with 3 significant digits in `lang`
/// (`3.4`, `3,4`), without the `%`.
fn percent(share: f64, lang: Lang) -> String {
    number(share * 100.0, lang)
}

/// `over 9 repetitions` in `lang` («по 9 повторам»).
fn over_reps(n: u64, lang: Lang) -> String {
    lang.pick(
        format!(
            "over {}",
            Lang::En.count(n, ("repetition", "repetitions"), ("", "", ""))
        ),
        format!(
            "по {}",
            Lang::Ru.count(n, ("", ""), ("повтору", "повторам", "повторам"))
        ),
    )
}

/// The reason of a noisy case's warning.
fn noisy_reason(why: Noisiness, lang: Lang) -> String {
    match why {
        Noisiness::Interval { precision, n } => lang.pick(
            format!(
                "the median throughput is known only to ±{} % (95 % interval {})",
                percent(precision, lang),
                over_reps(n, lang)
            ),
            format!(
                "медиана пропускной способности известна лишь с точностью ±{} % (95 % интервал {})",
                percent(precision, lang),
                over_reps(n, lang)
            ),
        ),
        Noisiness::Spread { cv, n } => lang.pick(
            format!(
                "throughput varied by {:.0} % across {n} repetitions (more than 10 %)",
                cv * 100.0
            ),
            format!(
                "пропускная способность разошлась на {:.0} % {} (больше 10 %)",
                cv * 100.0,
                over_reps(n, lang)
            ),
        ),
    }
}

/// The share of the machine's cores an embedded server may keep busy
/// during a case before the report says the case's rate is the machine's
/// (runner and server together), not the runner's alone.
pub const SERVER_SHARE: f64 = 0.25;

/// Every warning of `results`, in run order, its words in `lang`: failed
/// and unverified cases, speed-ups above the cores ([`above_cores`]),
/// disturbed cases, cases with a repetition that ran beside other work,
/// IO cases whose embedded server kept more than [`SERVER_SHARE`] of the
/// cores busy, and noisy cases ([`noisy`]). Skipped cases are not among
/// them: nothing they measured is wrong, and [`crate::view::skipped`]
/// groups them by reason.
pub fn warnings(results: &Results, lang: Lang) -> Vec<Warning> {
    let mut out = Vec::new();
    let cores = results.environment.logical_cores.max(1);
    let machine = f64::from(cores);
    for c in &results.cases {
        let mut push_with = |kind: WarningKind, reason: String, detail: Option<String>| {
            out.push(Warning {
                case: c.id.clone(),
                kind,
                reason,
                detail,
            })
        };
        match crate::status::Status::of(c) {
            crate::status::Status::Failed => {
                let message = crate::status::failure_reason(c).unwrap_or_default();
                match lang {
                    Lang::En => push_with(WarningKind::Failed, message, None),
                    Lang::Ru => push_with(
                        WarningKind::Failed,
                        "замер не удался, сообщение:".into(),
                        Some(message),
                    ),
                }
            }
            crate::status::Status::Unverified => push_with(
                WarningKind::Unverified,
                lang.pick(
                    "its digests were not checked against a seq reference",
                    "его контрольные суммы не сверены с эталоном seq",
                )
                .into(),
                None,
            ),
            // Not a reason to distrust anything: `skipped` lists them.
            crate::status::Status::Skipped | crate::status::Status::Ok => {}
        }
        let mut push = |kind: WarningKind, reason: String, detail: Option<String>| {
            push_with(kind, reason, detail)
        };
        if above_cores(c, cores) {
            push(
                WarningKind::SpeedupAboveCores,
                speedup_reason(c, cores, lang),
                None,
            );
        }
        if let (Some(server), Some(busy)) = (&c.server, c.server_cores()) {
            if busy >= SERVER_SHARE * machine {
                let per_request = server
                    .cpu_per_request()
                    .map_or_else(|| "—".into(), |v| duration(v, lang));
                push(
                    WarningKind::Server,
                    lang.pick(
                        format!(
                            "the embedded {} server kept {} of the {} cores busy ({} of CPU per request): the rate is the machine's, runner and server together",
                            server.kind,
                            number(busy, lang),
                            machine,
                            per_request,
                        ),
                        format!(
                            "встроенный сервер {} занимал {} из {} ({} процессорного времени на запрос): скорость — всей машины, модели и сервера вместе",
                            server.kind,
                            number(busy, lang),
                            Lang::Ru.count(cores.into(), ("", ""), ("ядра", "ядер", "ядер")),
                            per_request,
                        ),
                    ),
                    None,
                );
            }
        }
        if c.status == CaseStatus::Ok && c.disturbed() {
            let (reason, causes) = disturbed_reason(c, lang);
            // English names the causes in the reason; Russian shows them
            // as the run wrote them.
            let detail = causes.filter(|_| lang == Lang::Ru);
            push(WarningKind::Disturbed, reason, detail);
        }
        if let Some(reason) = interference_reason(c, lang) {
            push(WarningKind::Interference, reason, None);
        }
        if let Some(why) = noisy(c) {
            push(WarningKind::Noisy, noisy_reason(why, lang), None);
        }
    }
    out
}

/// `×2.6 over seq on 2 logical cores: more than the cores allow — …`;
/// in Russian `в 2,6 раза быстрее seq на 2 логических ядрах: …`.
fn speedup_reason(c: &CaseRecord, cores: u32, lang: Lang) -> String {
    let speedup = c.speedup_vs_seq.unwrap_or_default();
    let base = reference_of(c);
    let n = u64::from(cores);
    lang.pick(
        format!(
            "×{} over {base} on {}: more than the cores allow — a measurement problem: the baseline or this case ran beside other work, or its batches were too short to time",
            number(speedup, lang),
            Lang::En.count(n, ("logical core", "logical cores"), ("", "", ""))
        ),
        format!(
            "{} на {}: больше, чем позволяют ядра, — ошибка измерения: эталон или этот замер шли рядом с другой работой, или его прогоны слишком коротки, чтобы их точно измерить",
            crate::format::local::times(speedup, base, lang),
            Lang::Ru.count(
                n,
                ("", ""),
                ("логическом ядре", "логических ядрах", "логических ядрах")
            )
        ),
    )
}

/// The reason of a case whose workers died during measured batches: how
/// many died and how, and what was retried, over its repetitions; with
/// the causes as the run recorded them (`killed by SIGKILL`), which the
/// English reason names and the Russian shows beside it.
fn disturbed_reason(c: &CaseRecord, lang: Lang) -> (String, Option<String>) {
    let sum =
        |f: fn(&Repetition) -> Option<u64>| -> u64 { c.repetitions.iter().filter_map(f).sum() };
    let (deaths, retried, replaced) = (
        sum(|r| r.worker_deaths),
        sum(|r| r.tasks_retried),
        sum(|r| r.workers_replaced),
    );
    let mut causes: Vec<&str> = Vec::new();
    for cause in c
        .repetitions
        .iter()
        .flat_map(|r| r.worker_death_causes.iter().flatten())
    {
        if !causes.contains(&cause.as_str()) {
            causes.push(cause);
        }
    }
    let recorded = (!causes.is_empty()).then(|| causes.join(", "));
    let causes = recorded
        .as_ref()
        .map_or_else(String::new, |c| format!(" ({c})"));
    let hit = c.repetitions.iter().filter(|r| r.disturbed()).count();
    let reps = c.repetitions.len();
    match lang {
        Lang::En => {
            let plural =
                |n: u64, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
            let reason = format!(
                "{} died{causes} and {} retried ({} replaced, in {hit} of {reps} repetitions): timing is not a clean measurement",
                plural(deaths, "worker", "workers"),
                plural(retried, "task was", "tasks were"),
                plural(replaced, "worker", "workers"),
            );
            (reason, recorded)
        }
        Lang::Ru => {
            let of = |n: u64, forms| Lang::Ru.count(n, ("", ""), forms);
            let reason = format!(
                "погибло рабочих процессов: {deaths}, выполнено заново: {}, заменено: {} (в {hit} из {}): замер не чистый{}",
                of(retried, ("задача", "задачи", "задач")),
                of(replaced, ("процесс", "процесса", "процессов")),
                of(reps as u64, ("повтора", "повторов", "повторов")),
                if recorded.is_some() { "; причины:" } else { "" },
            );
            (reason, recorded)
        }
    }
}

/// The reason of a case with repetitions that ran beside other work
/// ([`Interference::flagged`]): how many, and the largest steal and other
/// processes' shares among them; `None` when none was flagged.
fn interference_reason(c: &CaseRecord, lang: Lang) -> Option<String> {
    let flagged: Vec<&Interference> = c
        .repetitions
        .iter()
        .filter_map(|r| r.interference.as_ref())
        .filter(|i| i.flagged)
        .collect();
    if flagged.is_empty() {
        return None;
    }
    let max = |f: fn(&Interference) -> f64| flagged.iter().map(|i| f(i)).fold(0.0, f64::max);
    let (steal, others) = (
        percent(max(|i| i.steal), lang),
        percent(max(|i| i.others), lang),
    );
    let (k, n) = (flagged.len() as u64, c.repetitions.len() as u64);
    Some(lang.pick(
        format!(
            "{k} of {} ran beside other work: steal up to {steal} %, other processes up to {others} % of the cores",
            Lang::En.count(n, ("repetition", "repetitions"), ("", "", ""))
        ),
        format!(
            "рядом с другой работой {} {k} из {}: гипервизор забирал до {steal} %, чужие процессы — до {others} % ядер",
            // «шёл 1 из 9 повторов», «шли 2 из 9», «шли 5 из 9».
            if k % 10 == 1 && k % 100 != 11 { "шёл" } else { "шли" },
            Lang::Ru.count(n, ("", ""), ("повтора", "повторов", "повторов"))
        ),
    ))
}

/// The environment line of the steal in `runs` (one machine's), when any
/// repetition saw some: the median share of the cores the hypervisor gave
/// to other guests over every repetition that measured it, and the
/// largest: `median 0.4 % of the cores over 120 repetitions, at most
/// 6.1 % (…)`, named by [`steal_label`]. `None` when no repetition measured steal above 0 (older files,
/// bare metal).
pub fn steal<'a>(runs: impl IntoIterator<Item = &'a Results>, lang: Lang) -> Option<String> {
    let shares: Vec<f64> = runs
        .into_iter()
        .flat_map(|r| &r.cases)
        .flat_map(|c| &c.repetitions)
        .filter_map(|r| r.interference.as_ref())
        .map(|i| i.steal)
        .filter(|s| s.is_finite())
        .collect();
    if !shares.iter().any(|&s| s > 0.0) {
        return None;
    }
    let s = crate::Stat::of(&shares)?;
    Some(lang.pick(
        format!(
            "median {} % of the cores {}, at most {} % (CPU time the hypervisor gave to other guests; a repetition above {} % is flagged)",
            percent(s.median, lang),
            over_reps(s.n, lang),
            percent(s.max, lang),
            percent(Interference::STEAL_LIMIT, lang),
        ),
        format!(
            "медиана {} % ядер {}, наибольшая {} % (время CPU, которое гипервизор отдал другим гостям; повтор выше {} % помечается)",
            percent(s.median, lang),
            over_reps(s.n, lang),
            percent(s.max, lang),
            percent(Interference::STEAL_LIMIT, lang),
        ),
    ))
}

/// The name of [`steal`]'s line: `steal`.
pub fn steal_label(lang: Lang) -> &'static str {
    lang.pick("steal", "отнято гипервизором")
}

/// The one statement of the cores limit, for the terminal summary and
/// under the speed-up figures: on `cores` logical cores no model can be
/// more than `cores` times faster than one loop.
pub fn cores_note(cores: u32, lang: Lang) -> String {
    let n = u64::from(cores.max(1));
    if n <= 2 {
        lang.pick(
            "with 2 or fewer cores, no model can show more than a 2× speed-up, and the harness shares the cores".into(),
            "при двух ядрах или меньше ни одна модель не покажет ускорения больше чем в 2 раза, а ядра с ней делит и сама обвязка замера".into(),
        )
    } else {
        lang.pick(
            format!("with {n} logical cores, no model can show more than a {n}× speed-up"),
            format!(
                "на {} ни одна модель не покажет ускорения больше чем в {n} раз",
                Lang::Ru.count(
                    n,
                    ("", ""),
                    ("логическом ядре", "логических ядрах", "логических ядрах")
                )
            ),
        )
    }
}

/// The legend of the `!` beside a speed-up above the cores, on `cores`
/// logical cores.
pub fn above_cores_legend(cores: u32, lang: Lang) -> String {
    let n = u64::from(cores.max(1));
    let limit = n as f64 * SPEEDUP_SLACK;
    lang.pick(
        format!(
            "! a speed-up above ×{}, more than the {} allow: a measurement problem (see the warnings)",
            number(limit, lang),
            Lang::En.count(n, ("logical core", "logical cores"), ("", "", ""))
        ),
        format!(
            "! ускорение больше чем в {}, то есть больше, чем позволяют ядра машины ({}): ошибка измерения (см. предупреждения)",
            times_count(limit),
            Lang::Ru.count(n, ("", ""), ("логическое ядро", "логических ядра", "логических ядер"))
        ),
    )
}
