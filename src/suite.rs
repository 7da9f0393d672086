//! Suite files: TOML descriptions of a set of sweeps (docs/SUITES.md).
//!
//! The built-in suites live in `suites/*.toml` and are compiled in.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{anyhow, Context, Result};
use serde::Deserialize;
use toml::Spanned;

use std::time::Duration;

use crate::plan::{Repeat, RepeatSettings, Sweep};

/// Built-in suites: name and TOML text.
pub const BUILTIN: &[(&str, &str)] = &[
    ("smoke", include_str!("../suites/smoke.toml")),
    ("quick", include_str!("../suites/quick.toml")),
    ("standard", include_str!("../suites/standard.toml")),
    ("course", include_str!("../suites/course.toml")),
    ("course-quick", include_str!("../suites/course-quick.toml")),
];

/// A value or a list of values (a sweep axis).
#[derive(Clone, Debug, Deserialize)]
#[serde(
    untagged,
    expecting = "expected one value or a list of values, such as `workers = 2` or `workers = [1, 2]`, with numbers unquoted"
)]
enum OneOrMany<T> {
    One(T),
    Many(Vec<T>),
}

impl<T: Clone> OneOrMany<T> {
    fn into_vec(self) -> Vec<T> {
        match self {
            OneOrMany::One(v) => vec![v],
            OneOrMany::Many(v) => v,
        }
    }
}

/// A parameter value as written in TOML: string, integer, float or bool.
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
enum Scalar {
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
}

impl Scalar {
    fn text(&self) -> String {
        match self {
            Scalar::Str(s) => s.clone(),
            Scalar::Int(i) => i.to_string(),
            Scalar::Float(f) => f.to_string(),
            Scalar::Bool(b) => b.to_string(),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SuiteFile {
    name: Option<String>,
    #[allow(dead_code)]
    description: Option<String>,
    reps: Option<Spanned<usize>>,
    warmup: Option<usize>,
    seed: Option<u64>,
    rep_time: Option<Spanned<String>>,
    precision: Option<f64>,
    budget: Option<Spanned<String>>,
    min_reps: Option<usize>,
    max_reps: Option<usize>,
    /// Read as any value, so that a bad one gets a message with the fix.
    starts: Option<Spanned<toml::Value>>,
    #[serde(default, rename = "sweep")]
    sweeps: Vec<Spanned<SweepFile>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SweepFile {
    workload: OneOrMany<String>,
    runners: Option<OneOrMany<String>>,
    workers: Option<OneOrMany<usize>>,
    tasks: Option<OneOrMany<usize>>,
    concurrency: Option<OneOrMany<usize>>,
    #[serde(default)]
    params: BTreeMap<String, OneOrMany<Scalar>>,
    /// Read as any value, so that a bad one gets a message with the fix.
    starts: Option<Spanned<toml::Value>>,
}

/// The `starts` key's value: a whole number, at least 1; the error names
/// the value and the fix.
fn starts_of(value: &toml::Value) -> Result<usize> {
    let fix = "give the runner starts per case as a whole number, at least 1, e.g. starts = 5 for a median of five start-ups (1, the default, measures one)";
    match value {
        toml::Value::Integer(n) if *n >= 1 => {
            usize::try_from(*n).map_err(|_| anyhow!("{n} is too large: {fix}"))
        }
        toml::Value::String(s) => Err(anyhow!("\"{s}\" is a string: {fix}, unquoted")),
        other => Err(anyhow!("{other} is invalid: {fix}")),
    }
}

/// A parsed suite.
#[derive(Clone, Debug)]
pub struct Suite {
    /// Its name.
    pub name: String,
    /// Repetitions, warm-up, seed, calibration target and stopping rule
    /// from the file, where it sets them.
    pub repeat: RepeatSettings,
    /// Its sweeps, each with the line it starts on.
    pub sweeps: Vec<(usize, Sweep)>,
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

impl Suite {
    /// A built-in suite by name, or a file path.
    pub fn load(name_or_path: &str) -> Result<Suite> {
        if let Some((name, text)) = BUILTIN.iter().find(|(n, _)| *n == name_or_path) {
            return Suite::parse(name, &format!("suites/{name}.toml"), text);
        }
        let path = Path::new(name_or_path);
        if !path.exists() {
            let names: Vec<&str> = BUILTIN.iter().map(|(n, _)| *n).collect();
            return Err(anyhow!(
                "suite `{name_or_path}` is neither a built-in suite ({}) nor an existing file",
                names.join(", ")
            ));
        }
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read suite file {}", path.display()))?;
        let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("suite");
        Suite::parse(stem, &path.display().to_string(), &text)
    }

    /// Parses suite TOML; errors name the file, line and key.
    pub fn parse(default_name: &str, file: &str, text: &str) -> Result<Suite> {
        let parsed: SuiteFile = toml::from_str(text).map_err(|e| {
            let line = e.span().map(|s| line_of(text, s.start)).unwrap_or(0);
            // Name the key when the error points into a `key = value` line.
            let key = text
                .lines()
                .nth(line.saturating_sub(1))
                .and_then(|l| l.split_once('='))
                .map(|(k, _)| k.trim())
                .filter(|k| !k.is_empty() && !k.starts_with('['));
            match key {
                Some(key) => anyhow!("{file}:{line}: `{key}`: {}", e.message().trim()),
                None => anyhow!("{file}:{line}: {}", e.message().trim()),
            }
        })?;
        let sweeps = parsed
            .sweeps
            .into_iter()
            .map(|s| {
                let line = line_of(text, s.span().start);
                let s = s.into_inner();
                let starts = match &s.starts {
                    None => None,
                    Some(v) => Some(starts_of(v.get_ref()).map_err(|e| {
                        let line = line_of(text, v.span().start);
                        anyhow!("{file}:{line}: `starts`: {e}")
                    })?),
                };
                let sweep = Sweep {
                    workloads: s.workload.into_vec(),
                    runners: s.runners.map(OneOrMany::into_vec).unwrap_or_default(),
                    workers: s.workers.map(OneOrMany::into_vec).unwrap_or_default(),
                    tasks: s.tasks.map(OneOrMany::into_vec).unwrap_or_default(),
                    concurrency: s.concurrency.map(OneOrMany::into_vec).unwrap_or_default(),
                    set: s
                        .params
                        .into_iter()
                        .map(|(k, v)| (k, v.into_vec().iter().map(Scalar::text).collect()))
                        .collect(),
                    starts,
                };
                Ok((line, sweep))
            })
            .collect::<Result<Vec<_>>>()?;
        if let Some(reps) = parsed.reps.as_ref().filter(|r| *r.get_ref() == 0) {
            let line = line_of(text, reps.span().start);
            return Err(anyhow!(
                "{file}:{line}: `reps`: 0 is invalid: measure at least 1 repetition"
            ));
        }
        let starts = match &parsed.starts {
            None => None,
            Some(v) => Some(starts_of(v.get_ref()).map_err(|e| {
                let line = line_of(text, v.span().start);
                anyhow!("{file}:{line}: `starts`: {e}")
            })?),
        };
        if sweeps.is_empty() {
            return Err(anyhow!("{file}: the suite has no [[sweep]] table; add one with at least `workload = \"…\"`"));
        }
        let duration = |key: &str, value: &Option<Spanned<String>>| -> Result<Option<Duration>> {
            let Some(v) = value else { return Ok(None) };
            bakeoff_workloads::io::parse_duration(v.get_ref())
                .map(Some)
                .map_err(|e| {
                    let line = line_of(text, v.span().start);
                    anyhow!("{file}:{line}: `{key}`: {e}")
                })
        };
        let repeat = RepeatSettings {
            reps: parsed.reps.map(Spanned::into_inner),
            warmup: parsed.warmup,
            seed: parsed.seed,
            target: duration("rep_time", &parsed.rep_time)?,
            precision: parsed.precision,
            budget: duration("budget", &parsed.budget)?,
            min_reps: parsed.min_reps,
            max_reps: parsed.max_reps,
            starts,
        };
        repeat.resolve().map_err(|e| anyhow!("{file}: {e:#}"))?;
        Ok(Suite {
            name: parsed.name.unwrap_or_else(|| default_name.to_string()),
            repeat,
            sweeps,
        })
    }

    /// Repeat settings: the command line's, else the file's, else the
    /// defaults ([`Repeat::adaptive`]).
    pub fn repeat(&self, cli: RepeatSettings) -> Result<Repeat> {
        cli.over(self.repeat).resolve()
    }
}

#[cfg(test)]
mod starts_tests {
    use super::*;

    const SWEEP: &str = "[[sweep]]\nworkload = \"noop\"\n";

    fn parse(text: &str) -> Result<Suite> {
        Suite::parse("s", "s.toml", text)
    }

    #[test]
    fn the_starts_key_reaches_every_case_and_the_command_line_overrides_it() {
        let suite = parse(&format!("starts = 3\nreps = 2\n{SWEEP}")).unwrap();
        assert_eq!(suite.repeat.starts, Some(3));
        assert_eq!(suite.repeat(RepeatSettings::default()).unwrap().starts, 3);
        let cli = RepeatSettings {
            starts: Some(5),
            ..RepeatSettings::default()
        };
        assert_eq!(suite.repeat(cli).unwrap().starts, 5);
        let sweeps: Vec<_> = suite.sweeps.iter().map(|(_, s)| s.clone()).collect();
        let plan = crate::Plan::build(
            "s",
            &bakeoff_workloads::Registry::builtin(),
            &sweeps,
            suite.repeat(RepeatSettings::default()).unwrap(),
        )
        .unwrap();
        assert!(plan.cases.iter().all(|c| c.starts == 3), "{plan:?}");
        assert_eq!(plan.estimate().startups, 3 * plan.cases.len() as u64);
        // Unsaid, a case starts its runner once.
        let plain = parse(SWEEP).unwrap();
        assert_eq!(plain.repeat.starts, None);
        assert_eq!(plain.repeat(RepeatSettings::default()).unwrap().starts, 1);
    }

    #[test]
    fn a_sweep_sets_its_own_starts_over_the_suites() {
        let text = format!(
            "starts = 2\nreps = 2\n{SWEEP}[[sweep]]\nworkload = \"countdown\"\nstarts = 4\n"
        );
        let suite = parse(&text).unwrap();
        let sweeps: Vec<_> = suite.sweeps.iter().map(|(_, s)| s.clone()).collect();
        assert_eq!(sweeps[0].starts, None);
        assert_eq!(sweeps[1].starts, Some(4));
        let repeat = suite.repeat(RepeatSettings::default()).unwrap();
        let plan = crate::Plan::build(
            "s",
            &bakeoff_workloads::Registry::builtin(),
            &sweeps,
            repeat,
        )
        .unwrap();
        assert!(plan
            .cases
            .iter()
            .filter(|c| c.workload == "noop")
            .all(|c| c.starts == 2));
        assert!(plan
            .cases
            .iter()
            .filter(|c| c.workload == "countdown")
            .all(|c| c.starts == 4));
        let e = parse(&format!("{SWEEP}starts = 0\n"))
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("s.toml:3: `starts`: "), "{e}");
    }

    #[test]
    fn a_bad_starts_value_is_one_line_naming_it_and_the_fix() {
        for (value, named) in [
            ("0", "0 is invalid"),
            ("-2", "-2 is invalid"),
            ("\"3\"", "\"3\" is a string"),
            ("1.5", "1.5 is invalid"),
            ("true", "true is invalid"),
        ] {
            let text = format!("name = \"x\"\nstarts = {value}\n{SWEEP}");
            let e = format!("{:#}", parse(&text).unwrap_err());
            assert!(e.starts_with("s.toml:2: `starts`: "), "{value}: {e}");
            assert!(e.contains(named), "{value}: {e}");
            assert!(e.contains("at least 1"), "{value}: the fix is missing: {e}");
            assert_eq!(e.lines().count(), 1, "{value}: {e}");
        }
        // The command line's value is checked too.
        let cli = RepeatSettings {
            starts: Some(0),
            ..RepeatSettings::default()
        };
        let e = format!("{:#}", cli.resolve().unwrap_err());
        assert!(e.starts_with("--starts 0 is invalid"), "{e}");
    }
}

#[cfg(test)]
mod builtin_tests {
    use super::*;
    use crate::Plan;

    #[test]
    fn every_builtin_suite_parses_and_plans() {
        let registry = bakeoff_workloads::Registry::builtin();
        for (name, _) in BUILTIN {
            let suite = Suite::load(name).unwrap_or_else(|e| panic!("{name}: {e:#}"));
            let sweeps: Vec<_> = suite.sweeps.iter().map(|(_, s)| s.clone()).collect();
            let plan = Plan::build(
                &suite.name,
                &registry,
                &sweeps,
                suite.repeat(RepeatSettings::default()).unwrap(),
            )
            .unwrap_or_else(|e| panic!("{name}: {e:#}"));
            assert!(!plan.cases.is_empty(), "{name} plans no case");
        }
    }
}
