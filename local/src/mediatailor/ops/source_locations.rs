//! Source locations and the VOD sources inside them.

use axum::http::StatusCode;

use super::super::model::{
    AccessConfiguration, BaseUrlConfiguration, HttpPackageConfiguration, LiveSource, SourceLocation,
    SourceLocationBody, VodSource, VodSourceBody,
};
use super::super::names;
use super::super::store::Store;
use super::super::validate::{MAX_URL_LEN, check_enum, check_url};
use super::{Call, checked_tags, page, parse_body, source_location, to_value, vod_not_found, vod_source};
use crate::mediatailor::{Answer, ApiError};

fn location_not_found(name: &str) -> ApiError {
    ApiError::not_found(format!("source location {name} does not exist"))
}

pub(super) fn create(call: Call<'_, '_>, name: &str) -> Result<Answer, ApiError> {
    let ctx = call.ctx;
    names::check("SourceLocationName", name)?;
    let body: SourceLocationBody = parse_body(call.body)?;
    let http = validate_location(&body)?;
    let tags = checked_tags(&body.tags)?;
    if call.store.source_locations.contains_key(name) {
        return Err(ApiError::bad_request(format!("source location {name} already exists")));
    }
    let location = SourceLocation {
        access_configuration: body.access_configuration,
        arn: ctx.arn(&format!("sourceLocation/{name}")),
        creation_time: ctx.now,
        default_segment_delivery_configuration: body.default_segment_delivery_configuration,
        http_configuration: http,
        last_modified_time: ctx.now,
        segment_delivery_configurations: body.segment_delivery_configurations,
        source_location_name: name.to_owned(),
        tags,
    };
    let answer = to_value(&location)?;
    call.store.source_locations.insert(name.to_owned(), location);
    Ok(Answer::ok(answer))
}

pub(super) fn describe(call: Call<'_, '_>, name: &str) -> Result<Answer, ApiError> {
    Ok(Answer::ok(to_value(source_location(call.store, name)?)?))
}

pub(super) fn update(call: Call<'_, '_>, name: &str) -> Result<Answer, ApiError> {
    source_location(call.store, name)?;
    let body: SourceLocationBody = parse_body(call.body)?;
    if body.tags.is_some() {
        return Err(ApiError::bad_request("Tags cannot be changed by UpdateSourceLocation; use TagResource"));
    }
    let http = validate_location(&body)?;
    let location = call.store.source_locations.get_mut(name).ok_or_else(|| location_not_found(name))?;
    location.access_configuration = body.access_configuration;
    location.default_segment_delivery_configuration = body.default_segment_delivery_configuration;
    location.http_configuration = http;
    location.segment_delivery_configurations = body.segment_delivery_configurations;
    location.last_modified_time = call.ctx.now;
    Ok(Answer::ok(to_value(location)?))
}

pub(super) fn delete(call: Call<'_, '_>, name: &str) -> Result<Answer, ApiError> {
    let store = call.store;
    source_location(store, name)?;
    if let Some(first) = store.vod_sources.get(name).and_then(|m| m.keys().next()) {
        return Err(ApiError::bad_request(format!(
            "source location {name} still has VOD sources (for example {first}); delete them first"
        )));
    }
    if let Some(first) = store.live_sources.get(name).and_then(|m| m.keys().next()) {
        return Err(ApiError::bad_request(format!(
            "source location {name} still has live sources (for example {first}); delete them first"
        )));
    }
    store.source_locations.remove(name);
    store.vod_sources.remove(name);
    store.live_sources.remove(name);
    Ok(Answer::empty(StatusCode::OK))
}

pub(super) fn list(call: Call<'_, '_>) -> Result<Answer, ApiError> {
    page(call.store.source_locations.iter().map(|(k, v)| (k.clone(), v)), call.query, 100)
}

/// The members of Create/UpdateSourceLocation; the HTTP configuration to keep.
fn validate_location(body: &SourceLocationBody) -> Result<BaseUrlConfiguration, ApiError> {
    let http = body.http_configuration.clone().ok_or_else(|| ApiError::bad_request("HttpConfiguration is required"))?;
    let base_url =
        http.base_url.as_deref().ok_or_else(|| ApiError::bad_request("HttpConfiguration.BaseUrl is required"))?;
    check_url("HttpConfiguration.BaseUrl", base_url, MAX_URL_LEN)?;
    if let Some(url) = body.default_segment_delivery_configuration.as_ref().and_then(|s| s.base_url.as_ref()) {
        check_url("DefaultSegmentDeliveryConfiguration.BaseUrl", url, MAX_URL_LEN)?;
    }
    if let Some(access) = &body.access_configuration {
        validate_access(access)?;
    }
    for (i, server) in body.segment_delivery_configurations.iter().flatten().enumerate() {
        let at = |member: &str| format!("SegmentDeliveryConfigurations[{i}].{member}");
        let url = server
            .base_url
            .as_deref()
            .ok_or_else(|| ApiError::bad_request(format!("{} is required", at("BaseUrl"))))?;
        check_url(&at("BaseUrl"), url, MAX_URL_LEN)?;
        if server.name.as_deref().is_none_or(str::is_empty) {
            return Err(ApiError::bad_request(format!("{} is required", at("Name"))));
        }
    }
    Ok(http)
}

fn validate_access(access: &AccessConfiguration) -> Result<(), ApiError> {
    const AT: &str = "AccessConfiguration";
    let kind =
        access.access_type.as_deref().ok_or_else(|| ApiError::bad_request(format!("{AT}.AccessType is required")))?;
    check_enum(&format!("{AT}.AccessType"), kind, &["S3_SIGV4", "SECRETS_MANAGER_ACCESS_TOKEN"])?;
    if kind != "SECRETS_MANAGER_ACCESS_TOKEN" {
        return Ok(());
    }
    let token = access.secrets_manager_access_token_configuration.as_ref().ok_or_else(|| {
        ApiError::bad_request(format!(
            "{AT}.SecretsManagerAccessTokenConfiguration is required with SECRETS_MANAGER_ACCESS_TOKEN"
        ))
    })?;
    for (member, value) in [
        ("HeaderName", &token.header_name),
        ("SecretArn", &token.secret_arn),
        ("SecretStringKey", &token.secret_string_key),
    ] {
        if value.as_deref().is_none_or(str::is_empty) {
            return Err(ApiError::bad_request(format!(
                "{AT}.SecretsManagerAccessTokenConfiguration.{member} is required"
            )));
        }
    }
    Ok(())
}

// ---- VOD sources ---------------------------------------------------------------------------

pub(super) fn create_vod(call: Call<'_, '_>, location: &str, name: &str) -> Result<Answer, ApiError> {
    let ctx = call.ctx;
    source_location(call.store, location)?;
    names::check("VodSourceName", name)?;
    let body: VodSourceBody = parse_body(call.body)?;
    let packages = validate_packages(body.http_package_configurations.as_ref())?;
    let tags = checked_tags(&body.tags)?;
    let sources = call.store.vod_sources.entry(location.to_owned()).or_default();
    if sources.contains_key(name) {
        return Err(ApiError::bad_request(format!("VOD source {name} already exists in source location {location}")));
    }
    let source = VodSource {
        arn: ctx.arn(&format!("vodSource/{location}/{name}")),
        creation_time: ctx.now,
        http_package_configurations: packages,
        last_modified_time: ctx.now,
        source_location_name: location.to_owned(),
        tags,
        vod_source_name: name.to_owned(),
    };
    let answer = to_value(&source)?;
    sources.insert(name.to_owned(), source);
    Ok(Answer::ok(answer))
}

pub(super) fn describe_vod(call: Call<'_, '_>, location: &str, name: &str) -> Result<Answer, ApiError> {
    Ok(Answer::ok(to_value(vod_source(call.store, location, name)?)?))
}

pub(super) fn update_vod(call: Call<'_, '_>, location: &str, name: &str) -> Result<Answer, ApiError> {
    vod_source(call.store, location, name)?;
    let body: VodSourceBody = parse_body(call.body)?;
    if body.tags.is_some() {
        return Err(ApiError::bad_request("Tags cannot be changed by UpdateVodSource; use TagResource"));
    }
    let packages = validate_packages(body.http_package_configurations.as_ref())?;
    let source = call
        .store
        .vod_sources
        .get_mut(location)
        .and_then(|m| m.get_mut(name))
        .ok_or_else(|| vod_not_found(location, name))?;
    source.http_package_configurations = packages;
    source.last_modified_time = call.ctx.now;
    Ok(Answer::ok(to_value(source)?))
}

pub(super) fn delete_vod(call: Call<'_, '_>, location: &str, name: &str) -> Result<Answer, ApiError> {
    vod_source(call.store, location, name)?;
    refuse_if_in_use(call.store, location, name)?;
    if let Some(sources) = call.store.vod_sources.get_mut(location) {
        sources.remove(name);
    }
    Ok(Answer::empty(StatusCode::OK))
}

pub(super) fn list_vod(call: Call<'_, '_>, location: &str) -> Result<Answer, ApiError> {
    source_location(call.store, location)?;
    let items = call.store.vod_sources.get(location).into_iter().flatten().map(|(k, v)| (k.clone(), v));
    page(items, call.query, 100)
}

/// A VOD source a program plays, as content or as a slate, or a channel's filler slate, cannot
/// be deleted.
fn refuse_if_in_use(store: &Store, location: &str, name: &str) -> Result<(), ApiError> {
    for (channel_name, record) in &store.channels {
        let filler = record.channel.filler_slate.as_ref();
        if filler.is_some_and(|s| {
            s.source_location_name.as_deref() == Some(location) && s.vod_source_name.as_deref() == Some(name)
        }) {
            return Err(ApiError::bad_request(format!(
                "VOD source {name} is the filler slate of channel {channel_name}; change the channel first"
            )));
        }
        for program in record.programs.values() {
            let p = &program.program;
            let as_content = p.source_location_name == location && p.vod_source_name == name;
            let as_slate = p.ad_breaks.iter().filter_map(|b| b.slate.as_ref()).any(|s| {
                s.source_location_name.as_deref() == Some(location) && s.vod_source_name.as_deref() == Some(name)
            });
            if as_content || as_slate {
                return Err(ApiError::bad_request(format!(
                    "VOD source {name} is used by program {} on channel {channel_name}; delete the program first",
                    p.program_name
                )));
            }
        }
    }
    Ok(())
}

fn validate_packages(
    packages: Option<&Vec<HttpPackageConfiguration>>,
) -> Result<Vec<HttpPackageConfiguration>, ApiError> {
    let packages = packages.ok_or_else(|| ApiError::bad_request("HttpPackageConfigurations is required"))?;
    if packages.is_empty() {
        return Err(ApiError::bad_request("HttpPackageConfigurations must have at least one package configuration"));
    }
    let mut groups: Vec<&str> = Vec::new();
    for (i, package) in packages.iter().enumerate() {
        let at = |member: &str| format!("HttpPackageConfigurations[{i}].{member}");
        let required = |member: &str| ApiError::bad_request(format!("{} is required", at(member)));
        if package.path.as_deref().is_none_or(str::is_empty) {
            return Err(required("Path"));
        }
        let group = package.source_group.as_deref().filter(|g| !g.is_empty()).ok_or_else(|| required("SourceGroup"))?;
        let kind =
            package.kind.as_deref().ok_or_else(|| ApiError::bad_request(format!("{} is required", at("Type"))))?;
        check_enum(&at("Type"), kind, &["HLS", "DASH"])?;
        if groups.contains(&group) {
            return Err(ApiError::bad_request(format!(
                "{}: {group:?} is used by another package configuration",
                at("SourceGroup")
            )));
        }
        groups.push(group);
    }
    Ok(packages.clone())
}

// ---- live sources --------------------------------------------------------------------------

fn live_not_found(location: &str, name: &str) -> ApiError {
    ApiError::not_found(format!("live source {name} does not exist in source location {location}"))
}

fn live_source<'s>(store: &'s Store, location: &str, name: &str) -> Result<&'s LiveSource, ApiError> {
    source_location(store, location)?;
    store.live_sources.get(location).and_then(|m| m.get(name)).ok_or_else(|| live_not_found(location, name))
}

pub(super) fn create_live(call: Call<'_, '_>, location: &str, name: &str) -> Result<Answer, ApiError> {
    let ctx = call.ctx;
    source_location(call.store, location)?;
    names::check("LiveSourceName", name)?;
    let body: VodSourceBody = parse_body(call.body)?;
    let packages = validate_packages(body.http_package_configurations.as_ref())?;
    let tags = checked_tags(&body.tags)?;
    let sources = call.store.live_sources.entry(location.to_owned()).or_default();
    if sources.contains_key(name) {
        return Err(ApiError::bad_request(format!("live source {name} already exists in source location {location}")));
    }
    let source = LiveSource {
        arn: ctx.arn(&format!("liveSource/{location}/{name}")),
        creation_time: ctx.now,
        http_package_configurations: packages,
        last_modified_time: ctx.now,
        live_source_name: name.to_owned(),
        source_location_name: location.to_owned(),
        tags,
    };
    let answer = to_value(&source)?;
    sources.insert(name.to_owned(), source);
    Ok(Answer::ok(answer))
}

pub(super) fn describe_live(call: Call<'_, '_>, location: &str, name: &str) -> Result<Answer, ApiError> {
    Ok(Answer::ok(to_value(live_source(call.store, location, name)?)?))
}

pub(super) fn update_live(call: Call<'_, '_>, location: &str, name: &str) -> Result<Answer, ApiError> {
    live_source(call.store, location, name)?;
    let body: VodSourceBody = parse_body(call.body)?;
    if body.tags.is_some() {
        return Err(ApiError::bad_request("Tags cannot be changed by UpdateLiveSource; use TagResource"));
    }
    let packages = validate_packages(body.http_package_configurations.as_ref())?;
    let source = call
        .store
        .live_sources
        .get_mut(location)
        .and_then(|m| m.get_mut(name))
        .ok_or_else(|| live_not_found(location, name))?;
    source.http_package_configurations = packages;
    source.last_modified_time = call.ctx.now;
    Ok(Answer::ok(to_value(source)?))
}

pub(super) fn delete_live(call: Call<'_, '_>, location: &str, name: &str) -> Result<Answer, ApiError> {
    live_source(call.store, location, name)?;
    for (channel_name, record) in &call.store.channels {
        if let Some(p) = record
            .programs
            .values()
            .map(|p| &p.program)
            .find(|p| p.source_location_name == location && p.live_source_name.as_deref() == Some(name))
        {
            return Err(ApiError::bad_request(format!(
                "live source {name} is used by program {} on channel {channel_name}; delete the program first",
                p.program_name
            )));
        }
    }
    if let Some(sources) = call.store.live_sources.get_mut(location) {
        sources.remove(name);
    }
    Ok(Answer::empty(StatusCode::OK))
}

pub(super) fn list_live(call: Call<'_, '_>, location: &str) -> Result<Answer, ApiError> {
    source_location(call.store, location)?;
    let items = call.store.live_sources.get(location).into_iter().flatten().map(|(k, v)| (k.clone(), v));
    page(items, call.query, 100)
}
