//! template.yaml against the functions' own configuration readers: every environment the template
//! can give a function (each parameter at its default, at its bounds and at each allowed value)
//! must start it. cfn-lint checks the template's shape; this checks what it means to the code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use serde_yaml_ng::Value;
use tailorflow_shared::{ConfigError, EnvReader};

/// The function resources and the crate each one builds.
const FUNCTIONS: &[(&str, &str)] = &[
    ("VodSourceIngestFunction", "vod-source-ingest"),
    ("ProgramSchedulerFunction", "program-scheduler"),
    ("AlertPublisherFunction", "alert-publisher"),
    ("PlaybackConfigApiFunction", "playback-config-api"),
    ("ChannelGuideFunction", "channel-guide"),
];

fn template() -> Value {
    let path = format!("{}/../template.yaml", env!("CARGO_MANIFEST_DIR"));
    serde_yaml_ng::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Parameter values: every default, with `overrides` applied.
fn parameter_values(template: &Value, overrides: &[(&str, String)]) -> BTreeMap<String, String> {
    let mut values: BTreeMap<String, String> = template["Parameters"]
        .as_mapping()
        .unwrap()
        .iter()
        .map(|(name, definition)| {
            (name.as_str().unwrap().to_owned(), definition.get("Default").and_then(scalar).unwrap_or_default())
        })
        .collect();
    for (name, value) in overrides {
        values.insert((*name).to_owned(), value.clone());
    }
    values
}

/// An environment variable's value as deployed: `!Ref Parameter` is the parameter's value, a
/// reference to a resource (a bus name, say) a stand-in name.
fn resolve(value: &Value, parameters: &BTreeMap<String, String>) -> String {
    match value {
        Value::Tagged(tagged) if tagged.tag == "Ref" => {
            let name = tagged.value.as_str().unwrap();
            parameters.get(name).cloned().unwrap_or_else(|| format!("{name}-physical-id"))
        }
        // `!If [Condition, a, b]` (a bucket created or an existing one): the first branch that
        // is a value or a `!Ref` and resolves to a value, else a stand-in name.
        Value::Tagged(tagged) if tagged.tag == "If" => {
            let branches = tagged.value.as_sequence().unwrap();
            branches[1..]
                .iter()
                .filter(|b| !matches!(b, Value::Tagged(t) if t.tag != "Ref"))
                .map(|b| resolve(b, parameters))
                .find(|v| !v.is_empty())
                .unwrap_or_else(|| "if-physical-id".to_owned())
        }
        Value::Tagged(tagged) => panic!("resolve {} in an environment variable here", tagged.tag),
        other => scalar(other).unwrap(),
    }
}

fn environment(template: &Value, resource: &str, parameters: &BTreeMap<String, String>) -> Vec<(String, String)> {
    let global = &template["Globals"]["Function"]["Environment"]["Variables"];
    let own = &template["Resources"][resource]["Properties"]["Environment"]["Variables"];
    [global, own]
        .into_iter()
        .filter_map(Value::as_mapping)
        .flat_map(|vars| vars.iter())
        .map(|(k, v)| (k.as_str().unwrap().to_owned(), resolve(v, parameters)))
        .collect()
}

/// Reads `function`'s settings from `env` as its `main` would.
fn start(function: &str, env: Vec<(String, String)>) -> Result<(), ConfigError> {
    let env = EnvReader::from_pairs(env);
    match function {
        "vod-source-ingest" => vod_source_ingest::Settings::read(env).map(drop),
        "program-scheduler" => program_scheduler::settings::Settings::read(env).map(drop),
        "alert-publisher" => alert_publisher::Settings::read(env).map(drop),
        "playback-config-api" => playback_config_api::State::read(env).map(drop),
        "channel-guide" => channel_guide::Settings::read(env).map(drop),
        other => panic!("unknown function {other}"),
    }
}

fn every_function_starts(template: &Value, overrides: &[(&str, String)]) {
    let parameters = parameter_values(template, overrides);
    for (resource, function) in FUNCTIONS {
        let env = environment(template, resource, &parameters);
        if let Err(err) = start(function, env.clone()) {
            panic!("{function} would not start with parameters {overrides:?}: {err}\nenvironment: {env:?}");
        }
    }
}

#[test]
fn every_function_starts_with_the_default_parameters() {
    every_function_starts(&template(), &[]);
}

#[test]
fn every_function_starts_with_each_parameter_at_its_bounds_and_allowed_values() {
    let template = template();
    let mut tried = 0;
    for (name, definition) in template["Parameters"].as_mapping().unwrap() {
        let name = name.as_str().unwrap();
        let mut values: Vec<String> =
            ["MinValue", "MaxValue"].iter().filter_map(|k| definition.get(*k)).filter_map(scalar).collect();
        if let Some(allowed) = definition.get("AllowedValues").and_then(Value::as_sequence) {
            values.extend(allowed.iter().filter_map(scalar));
        }
        for value in values {
            every_function_starts(&template, &[(name, value)]);
            tried += 1;
        }
    }
    assert!(tried >= 20, "only {tried} parameter values tried");
}

#[test]
fn every_function_is_built_by_cargo_lambda_for_arm64_on_al2023() {
    let template = template();
    let globals = &template["Globals"]["Function"];
    assert_eq!(globals["Runtime"].as_str(), Some("provided.al2023"));
    assert_eq!(globals["Architectures"][0].as_str(), Some("arm64"));
    for (resource, function) in FUNCTIONS {
        let definition = &template["Resources"][resource];
        assert_eq!(definition["Type"].as_str(), Some("AWS::Serverless::Function"), "{resource}");
        assert_eq!(definition["Metadata"]["BuildMethod"].as_str(), Some("rust-cargolambda"), "{resource}");
        assert_eq!(definition["Metadata"]["BuildProperties"]["Binary"].as_str(), Some(*function), "{resource}");
        assert!(definition["Properties"]["Timeout"].as_u64().is_some(), "{resource} sets its timeout");
        assert!(is_ref(&definition["Properties"]["LoggingConfig"]["LogGroup"]), "{resource} logs to its group");
    }
}

fn is_ref(value: &Value) -> bool {
    matches!(value, Value::Tagged(tagged) if tagged.tag == "Ref")
}
