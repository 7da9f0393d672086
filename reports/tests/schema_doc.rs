//! docs/RESULTS-SCHEMA.md against what the code writes: its field tables
//! against the JSON Schema generated from `reports/src/schema.rs`, and
//! its CSV table against `bakeoff_reports::csv::COLUMNS`.
//!
//! Both sides are read for real: the document's tables are parsed (a
//! `### \`Type\`` heading, then a table whose first column is `field`),
//! and the schema's `properties` are walked, so a field added to one
//! side only fails here.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use bakeoff_reports::Results;
use serde_json::Value;

fn doc() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/RESULTS-SCHEMA.md");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn schema() -> Value {
    serde_json::from_str(&Results::json_schema()).expect("the schema is JSON")
}

/// The cells of a Markdown table row, `\|` kept inside its cell.
fn cells(line: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut chars = line.trim().trim_start_matches('|').chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'|') => {
                out.last_mut().unwrap().push('|');
                chars.next();
            }
            '|' => out.push(String::new()),
            _ => out.last_mut().unwrap().push(c),
        }
    }
    if out.last().is_some_and(|c| c.trim().is_empty()) {
        out.pop();
    }
    out.into_iter().map(|c| c.trim().to_string()).collect()
}

/// The first `code` span of `s`.
fn code(s: &str) -> Option<&str> {
    let start = s.find('`')? + 1;
    let len = s[start..].find('`')?;
    Some(&s[start..start + len])
}

/// One documented field: its type cell and its whole row.
#[derive(Debug)]
struct DocField {
    ty: String,
    row: String,
}

/// The field tables of the document: type name → field name → row. A
/// section is a `###` heading whose first code span is a type name
/// (capitalised); its table is the one whose first heading is `field`.
fn documented() -> BTreeMap<String, BTreeMap<String, DocField>> {
    let mut out: BTreeMap<String, BTreeMap<String, DocField>> = BTreeMap::new();
    let mut section: Option<String> = None;
    let mut in_table = false;
    for line in doc().lines() {
        if line.starts_with('#') {
            section = line
                .starts_with("### ")
                .then(|| code(line))
                .flatten()
                .filter(|t| t.starts_with(|c: char| c.is_ascii_uppercase()))
                .map(String::from);
            in_table = false;
            continue;
        }
        if !line.starts_with('|') {
            in_table = false;
            continue;
        }
        let row = cells(line);
        if row.first().is_some_and(|c| c == "field") {
            in_table = section.is_some();
            continue;
        }
        let (true, Some(ty)) = (in_table, &section) else {
            continue;
        };
        if row[0].starts_with("---") {
            continue;
        }
        let name = code(&row[0]).unwrap_or_else(|| panic!("{ty}: no field name in {line}"));
        let previous = out.entry(ty.clone()).or_default().insert(
            name.to_string(),
            DocField {
                ty: row.get(1).cloned().unwrap_or_default(),
                row: line.to_string(),
            },
        );
        assert!(previous.is_none(), "{ty}.{name} is documented twice");
    }
    out
}

/// The document's row of `ty.name`, or a failure that names it.
fn row<'a>(
    doc: &'a BTreeMap<String, BTreeMap<String, DocField>>,
    ty: &str,
    name: &str,
) -> &'a DocField {
    doc.get(ty)
        .and_then(|fields| fields.get(name))
        .unwrap_or_else(|| panic!("{ty}.{name} is not in docs/RESULTS-SCHEMA.md"))
}

/// A schema property: its definition and whether it is required.
struct Prop<'a> {
    def: &'a Value,
    required: bool,
}

/// Every object type of the schema (the root is `Results`) with its
/// properties.
fn schema_types(schema: &Value) -> BTreeMap<String, BTreeMap<String, Prop<'_>>> {
    let mut types = vec![("Results".to_string(), schema)];
    if let Some(defs) = schema["$defs"].as_object() {
        types.extend(defs.iter().map(|(k, v)| (k.clone(), v)));
    }
    types
        .into_iter()
        .filter_map(|(name, def)| {
            let props = def["properties"].as_object()?;
            let required: BTreeSet<&str> = def["required"]
                .as_array()
                .map(|r| r.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let props = props
                .iter()
                .map(|(k, v)| {
                    let required = required.contains(k.as_str());
                    (k.clone(), Prop { def: v, required })
                })
                .collect();
            Some((name, props))
        })
        .collect()
}

/// The `$defs` names a property refers to: directly, through `anyOf`
/// (`X | null`) or through `items` (lists).
fn refs(def: &Value) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(r) = def["$ref"].as_str() {
        out.push(r.trim_start_matches("#/$defs/").to_string());
    }
    for alt in def["anyOf"].as_array().into_iter().flatten() {
        out.extend(refs(alt));
    }
    if def["items"].is_object() {
        out.extend(refs(&def["items"]));
    }
    out
}

#[test]
fn every_documented_field_is_in_the_json_schema_and_back() {
    let schema = schema();
    let types = schema_types(&schema);
    let doc = documented();
    assert_eq!(
        doc.keys().collect::<Vec<_>>(),
        types.keys().collect::<Vec<_>>(),
        "the document's type sections and the schema's object types differ"
    );
    for (ty, props) in &types {
        let fields = &doc[ty];
        let documented: BTreeSet<&String> = fields.keys().collect();
        let in_schema: BTreeSet<&String> = props.keys().collect();
        assert_eq!(
            documented, in_schema,
            "{ty}: the fields of docs/RESULTS-SCHEMA.md (left) and of the JSON Schema (right) differ"
        );
        for (name, prop) in props {
            let f = &fields[name];
            let may_lack = f.ty.contains("null") || f.ty.contains("optional");
            assert_eq!(
                may_lack, !prop.required,
                "{ty}.{name}: the document's type `{}` and the schema disagree on whether it may be null or absent",
                f.ty
            );
        }
    }
}

/// The documented type of each key of `value`, walked alongside `def`.
fn walk<'a>(
    value: &Value,
    def: &'a Value,
    schema: &'a Value,
    seen: &mut Vec<(String, BTreeSet<String>)>,
) {
    let resolve = |d: &'a Value| -> Vec<(String, &'a Value)> {
        refs(d)
            .into_iter()
            .map(|r| {
                let def = &schema["$defs"][&r];
                (r, def)
            })
            .collect()
    };
    match value {
        Value::Array(items) => {
            for item in items {
                walk(item, &def["items"], schema, seen);
            }
        }
        Value::Object(map) => {
            let (name, def) = if def["properties"].is_object() {
                ("Results".to_string(), def)
            } else {
                match resolve(def)
                    .into_iter()
                    .find(|(_, d)| d["properties"].is_object())
                {
                    Some(found) => found,
                    None => return,
                }
            };
            seen.push((name, map.keys().cloned().collect()));
            for (k, v) in map {
                let prop = &def["properties"][k];
                walk(v, prop, schema, seen);
            }
        }
        _ => {}
    }
}

#[test]
fn only_the_fields_documented_as_optional_are_ever_left_out() {
    // Read each fixture and write it again: whatever serde leaves out of
    // an object must be a field the document marks `optional` (the
    // others are there, `null` or not, in every file).
    let schema = schema();
    let types = schema_types(&schema);
    let doc = documented();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut checked = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let written = serde_json::to_value(Results::read(&path).unwrap()).unwrap();
        let mut seen = Vec::new();
        walk(&written, &schema, &schema, &mut seen);
        for (ty, keys) in seen {
            for name in types[&ty].keys().filter(|k| !keys.contains(*k)) {
                let documented = &row(&doc, &ty, name).ty;
                assert!(
                    documented.contains("optional"),
                    "{}: {ty}.{name} is left out but documented as `{documented}`",
                    path.display(),
                );
            }
            checked += 1;
        }
    }
    assert!(checked > 100, "only {checked} objects walked");
}

#[test]
fn every_nanos_and_bytes_field_states_its_unit() {
    // The field names carry no unit (`startup`, `wall`, `peak_rss`): the
    // schema's description and the document's row must.
    let schema = schema();
    let doc = documented();
    let mut checked = 0;
    for (ty, props) in schema_types(&schema) {
        for (name, prop) in props {
            let refs = refs(prop.def);
            let unit = if refs.iter().any(|r| r == "Nanos" || r == "Percentiles") {
                "nanoseconds"
            } else if refs.iter().any(|r| r == "Bytes") {
                "bytes"
            } else {
                continue;
            };
            let description = prop.def["description"].as_str().unwrap_or_default();
            assert!(
                description.contains(unit),
                "{ty}.{name}: the schema's description does not say {unit}: {description:?}"
            );
            let row = &row(&doc, &ty, &name).row;
            assert!(
                row.contains(unit),
                "{ty}.{name}: docs/RESULTS-SCHEMA.md does not say {unit}: {row}"
            );
            checked += 1;
        }
    }
    assert!(checked >= 20, "only {checked} fields with units");
}

#[test]
fn the_csv_columns_are_documented_in_order() {
    let md = doc();
    let mut documented = Vec::new();
    let mut in_table = false;
    for line in md.lines() {
        if !line.starts_with('|') {
            in_table = false;
            continue;
        }
        let row = cells(line);
        if row.len() > 1 && row[0] == "#" && row[1] == "column" {
            in_table = true;
        } else if in_table && !row[0].starts_with("---") {
            assert_eq!(
                row[0],
                (documented.len() + 1).to_string(),
                "CSV table numbering: {line}"
            );
            documented.push(code(&row[1]).expect("a column name").to_string());
        }
    }
    assert_eq!(documented, bakeoff_reports::csv::header());
}

#[test]
fn the_committed_schema_is_the_one_these_types_generate() {
    // tests/cli.rs checks the same through `bakeoff schema`; this one
    // runs with the reports crate alone, and like it rewrites the file
    // instead when BAKEOFF_BLESS is set.
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/results.schema.json");
    if std::env::var_os("BAKEOFF_BLESS").is_some() {
        std::fs::write(&path, Results::json_schema())
            .expect("docs/results.schema.json is writable");
    }
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == Results::json_schema(),
        "docs/results.schema.json is stale: run `cargo run -- schema > docs/results.schema.json`"
    );
}
