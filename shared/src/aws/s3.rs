//! S3 reads shared by functions: an object, or its first bytes; a page of a listing.

use aws_sdk_s3::Client;

use crate::error::{AwsCallError, ErrorClass};

/// An object's bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Object {
    /// The body (the requested range of it, when a range was given).
    pub body: Vec<u8>,
    /// The object's whole length as S3 reports it (`Content-Length`, or a range's total).
    pub length: Option<u64>,
    /// The ETag, without its quotes.
    pub etag: Option<String>,
}

/// Which part of an object to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// All of it, refused when it is over this many bytes (read before the body is).
    Whole {
        /// The most bytes accepted.
        max_bytes: u64,
    },
    /// At most the first `n` bytes.
    First(u64),
}

/// `GetObject`; `None` when the object or its bucket does not exist.
///
/// An object over `Part::Whole`'s limit is an `Invalid` error naming its size. An empty object
/// read with `Part::First` is an empty body (S3 answers a range of an empty object with
/// `InvalidRange`, which means just that).
pub async fn get_object(client: &Client, bucket: &str, key: &str, part: Part) -> Result<Option<Object>, AwsCallError> {
    let mut request = client.get_object().bucket(bucket).key(key);
    if let Part::First(n) = part {
        request = request.range(format!("bytes=0-{}", n.saturating_sub(1)));
    }
    let output = match request.send().await {
        Ok(output) => output,
        Err(e) => {
            let err = AwsCallError::from_sdk("GetObject", &e);
            return match (err.class, err.code.as_deref()) {
                (ErrorClass::NotFound, _) => Ok(None),
                (_, Some("InvalidRange")) if matches!(part, Part::First(_)) => {
                    Ok(Some(Object { body: Vec::new(), length: Some(0), etag: None }))
                }
                _ => Err(err),
            };
        }
    };
    let length = total_length(output.content_range(), output.content_length());
    if let (Part::Whole { max_bytes }, Some(length)) = (part, length)
        && length > max_bytes
    {
        return Err(AwsCallError {
            operation: "GetObject",
            class: ErrorClass::Invalid,
            status: None,
            code: None,
            message: format!("s3://{bucket}/{key} is {length} bytes, over the {max_bytes}-byte limit"),
        });
    }
    let etag = output.e_tag().map(|e| e.trim_matches('"').to_owned());
    let body = output.body.collect().await.map_err(|e| super::body_error("GetObject", e))?.into_bytes().to_vec();
    Ok(Some(Object { body, length, etag }))
}

/// One object of a listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    /// The key.
    pub key: String,
    /// The size in bytes.
    pub size: u64,
    /// The ETag, without its quotes, when S3 gave one.
    pub etag: Option<String>,
    /// When it was last modified (as S3 reports it), when given.
    pub last_modified: Option<String>,
}

/// One page of `ListObjectsV2`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListPage {
    /// The objects of the page, in key order.
    pub objects: Vec<Listed>,
    /// The token of the next page; `None` on the last one.
    pub next_token: Option<String>,
}

/// `ListObjectsV2` of one page: keys under `prefix`, after `start_after` (or from `token`, the
/// previous page's `next_token`), at most `max_keys`. `None` when the bucket does not exist.
pub async fn list_objects(
    client: &Client,
    bucket: &str,
    prefix: &str,
    start_after: Option<&str>,
    token: Option<&str>,
    max_keys: i32,
) -> Result<Option<ListPage>, AwsCallError> {
    let mut request = client.list_objects_v2().bucket(bucket).max_keys(max_keys);
    if !prefix.is_empty() {
        request = request.prefix(prefix);
    }
    if let Some(start_after) = start_after.filter(|s| !s.is_empty()) {
        request = request.start_after(start_after);
    }
    if let Some(token) = token {
        request = request.continuation_token(token);
    }
    let output = match request.send().await {
        Ok(output) => output,
        Err(e) => {
            let err = AwsCallError::from_sdk("ListObjectsV2", &e);
            return if err.class == ErrorClass::NotFound { Ok(None) } else { Err(err) };
        }
    };
    let objects = output
        .contents()
        .iter()
        .filter_map(|object| {
            Some(Listed {
                key: object.key()?.to_owned(),
                size: object.size().and_then(|n| u64::try_from(n).ok()).unwrap_or_default(),
                etag: object.e_tag().map(|e| e.trim_matches('"').to_owned()),
                last_modified: object.last_modified().map(ToString::to_string),
            })
        })
        .collect();
    let truncated = output.is_truncated().unwrap_or(false);
    let next_token = output.next_continuation_token().filter(|t| truncated && !t.is_empty()).map(str::to_owned);
    Ok(Some(ListPage { objects, next_token }))
}

/// `PutObject` of `body`, whole, in one call (so a reader sees the old object or the new one,
/// never a mix); answers the new ETag without its quotes, when S3 gives one.
///
/// A failure leaves the previous object as it was. Any function that publishes a file (a
/// guide, a report) can use it.
pub async fn put_object(
    client: &Client,
    bucket: &str,
    key: &str,
    body: Vec<u8>,
    content_type: &str,
) -> Result<Option<String>, AwsCallError> {
    let output = client
        .put_object()
        .bucket(bucket)
        .key(key)
        .content_type(content_type)
        .body(aws_sdk_s3::primitives::ByteStream::from(body))
        .send()
        .await
        .map_err(|e| AwsCallError::from_sdk("PutObject", &e))?;
    Ok(output.e_tag().map(|e| e.trim_matches('"').to_owned()))
}

/// The object's whole length: a range answer's `Content-Range: bytes a-b/TOTAL`, else the
/// `Content-Length` of a whole answer.
fn total_length(content_range: Option<&str>, content_length: Option<i64>) -> Option<u64> {
    match content_range {
        Some(range) => range.rsplit_once('/').and_then(|(_, total)| total.parse().ok()),
        None => content_length.and_then(|n| u64::try_from(n).ok()),
    }
}

#[cfg(test)]
mod tests {
    use super::total_length;

    #[test]
    fn the_whole_length_comes_from_the_range_when_there_is_one() {
        assert_eq!(total_length(Some("bytes 0-99/5000"), Some(100)), Some(5000));
        assert_eq!(total_length(Some("bytes 0-99/*"), Some(100)), None);
        assert_eq!(total_length(None, Some(42)), Some(42));
        assert_eq!(total_length(None, None), None);
    }
}
