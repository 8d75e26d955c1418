//! s3s-fs behind a layer that keeps every key inside its bucket and lets keys be as long as S3
//! allows (1,024 bytes): keys that cannot be paths are mapped (see [`super::keys`]) on the way
//! in, and named again on the way out (listings, multipart answers, DeleteObjects results).

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use s3s::dto::*;
use s3s::{S3, S3Request, S3Response, S3Result, s3_error};

use super::keys::{self, RESERVED_DIR};
use super::listing;

/// s3s-fs with keys kept safe.
pub(crate) struct SafeFs {
    inner: s3s_fs::FileSystem,
    root: PathBuf,
}

impl SafeFs {
    /// Wraps `inner`, which serves `root` (canonical).
    pub(crate) fn new(inner: s3s_fs::FileSystem, root: PathBuf) -> Self {
        Self { inner, root }
    }

    fn bucket_dir(&self, bucket: &str) -> PathBuf {
        self.root.join(bucket)
    }

    /// The key to read `key` of `bucket` from: its mapped key, unless a well-formed long key was
    /// placed at its own path by hand (and never uploaded since).
    fn read_key(&self, bucket: &str, key: &str) -> String {
        resolve_read(&self.bucket_dir(bucket), bucket, key)
    }

    /// The key to write `key` of `bucket` to, recording it when mapped.
    fn write_key(&self, bucket: &str, key: &str) -> S3Result<String> {
        if !keys::needs_mapping(bucket, key) {
            return Ok(key.to_owned());
        }
        let dir = self.bucket_dir(bucket);
        if !dir.is_dir() {
            return Err(s3_error!(NoSuchBucket));
        }
        keys::record(&dir, key).map_err(|e| s3_error!(InternalError, "cannot record key: {e}"))?;
        Ok(keys::mapped_key(key))
    }

    fn forget(&self, bucket: &str, key: &str) {
        if keys::needs_mapping(bucket, key) {
            keys::forget(&self.bucket_dir(bucket), key);
        }
    }

    fn copy_source(&self, source: CopySource) -> CopySource {
        match source {
            CopySource::Bucket { bucket, key, version_id } => {
                let key = self.read_key(&bucket, &key).into_boxed_str();
                CopySource::Bucket { bucket, key, version_id }
            }
            other => other,
        }
    }
}

/// Where a read of `key` finds its bytes (as a key of the bucket at `bucket_dir`).
pub(crate) fn resolve_read(bucket_dir: &Path, bucket: &str, key: &str) -> String {
    if !keys::needs_mapping(bucket, key) {
        return key.to_owned();
    }
    let mapped = keys::mapped_key(key);
    let well_formed = !key.split('/').any(|s| s.is_empty() || s == "." || s == ".." || s.len() > 255)
        && key.split('/').next() != Some(RESERVED_DIR);
    if well_formed && !bucket_dir.join(&mapped).is_file() && bucket_dir.join(key).is_file() {
        key.to_owned()
    } else {
        mapped
    }
}

#[async_trait::async_trait]
impl S3 for SafeFs {
    async fn create_bucket(&self, req: S3Request<CreateBucketInput>) -> S3Result<S3Response<CreateBucketOutput>> {
        self.inner.create_bucket(req).await
    }

    async fn delete_bucket(&self, req: S3Request<DeleteBucketInput>) -> S3Result<S3Response<DeleteBucketOutput>> {
        self.inner.delete_bucket(req).await
    }

    async fn head_bucket(&self, req: S3Request<HeadBucketInput>) -> S3Result<S3Response<HeadBucketOutput>> {
        self.inner.head_bucket(req).await
    }

    async fn get_bucket_location(
        &self,
        req: S3Request<GetBucketLocationInput>,
    ) -> S3Result<S3Response<GetBucketLocationOutput>> {
        self.inner.get_bucket_location(req).await
    }

    async fn list_buckets(&self, req: S3Request<ListBucketsInput>) -> S3Result<S3Response<ListBucketsOutput>> {
        self.inner.list_buckets(req).await
    }

    async fn put_object(&self, mut req: S3Request<PutObjectInput>) -> S3Result<S3Response<PutObjectOutput>> {
        req.input.key = self.write_key(&req.input.bucket, &req.input.key)?;
        self.inner.put_object(req).await
    }

    async fn get_object(&self, mut req: S3Request<GetObjectInput>) -> S3Result<S3Response<GetObjectOutput>> {
        req.input.key = self.read_key(&req.input.bucket, &req.input.key);
        self.inner.get_object(req).await
    }

    async fn head_object(&self, mut req: S3Request<HeadObjectInput>) -> S3Result<S3Response<HeadObjectOutput>> {
        req.input.key = self.read_key(&req.input.bucket, &req.input.key);
        self.inner.head_object(req).await
    }

    async fn delete_object(&self, mut req: S3Request<DeleteObjectInput>) -> S3Result<S3Response<DeleteObjectOutput>> {
        let (bucket, key) = (req.input.bucket.clone(), req.input.key.clone());
        req.input.key = self.read_key(&bucket, &key);
        let answer = self.inner.delete_object(req).await;
        if answer.is_ok() {
            self.forget(&bucket, &key);
        }
        answer
    }

    async fn delete_objects(
        &self,
        mut req: S3Request<DeleteObjectsInput>,
    ) -> S3Result<S3Response<DeleteObjectsOutput>> {
        let bucket = req.input.bucket.clone();
        let mut originals = HashMap::new();
        for object in &mut req.input.delete.objects {
            let stored = self.read_key(&bucket, &object.key);
            originals.insert(stored.clone(), std::mem::replace(&mut object.key, stored));
        }
        let mut answer = self.inner.delete_objects(req).await?;
        let rename = |key: &mut Option<String>| {
            if let Some(original) = key.as_ref().and_then(|k| originals.get(k)) {
                *key = Some(original.clone());
            }
        };
        for deleted in answer.output.deleted.iter_mut().flatten() {
            rename(&mut deleted.key);
            if let Some(key) = &deleted.key {
                self.forget(&bucket, key);
            }
        }
        for error in answer.output.errors.iter_mut().flatten() {
            rename(&mut error.key);
        }
        Ok(answer)
    }

    async fn copy_object(&self, mut req: S3Request<CopyObjectInput>) -> S3Result<S3Response<CopyObjectOutput>> {
        req.input.copy_source = self.copy_source(req.input.copy_source.clone());
        req.input.key = self.write_key(&req.input.bucket, &req.input.key)?;
        self.inner.copy_object(req).await
    }

    async fn list_objects(&self, req: S3Request<ListObjectsInput>) -> S3Result<S3Response<ListObjectsOutput>> {
        // As s3s-fs does: a V1 listing is a V2 listing whose marker is the start-after key.
        let answer = self.list_objects_v2(req.map_input(Into::into)).await?;
        Ok(answer.map_output(|v2| ListObjectsOutput {
            contents: v2.contents,
            common_prefixes: v2.common_prefixes,
            delimiter: v2.delimiter,
            encoding_type: v2.encoding_type,
            name: v2.name,
            prefix: v2.prefix,
            max_keys: v2.max_keys,
            is_truncated: v2.is_truncated,
            next_marker: v2.next_continuation_token,
            ..Default::default()
        }))
    }

    async fn list_objects_v2(&self, req: S3Request<ListObjectsV2Input>) -> S3Result<S3Response<ListObjectsV2Output>> {
        let bucket_dir = self.bucket_dir(&req.input.bucket);
        if !bucket_dir.is_dir() {
            // s3s-fs answers what is wrong with the bucket.
            return self.inner.list_objects_v2(req).await;
        }
        // Only the prefix's folder is read, the mapped keys named, then paged as s3s-fs would.
        let input = req.input;
        let prefix = input.prefix.as_deref().unwrap_or("").trim_start_matches('/').to_owned();
        let dir = bucket_dir.clone();
        let mut objects = tokio::task::spawn_blocking(move || listing::objects_under(&dir, &prefix))
            .await
            .map_err(|e| s3_error!(InternalError, "listing stopped: {e}"))?
            .map_err(|e| s3_error!(InternalError, "cannot list the bucket folder: {e}"))?;
        for (key, file) in keys::mapped_objects(&bucket_dir) {
            let metadata = std::fs::metadata(&file).map_err(|e| s3_error!(InternalError, "{e}"))?;
            objects.insert(key.clone(), listing::object(key, &metadata));
        }
        Ok(S3Response::new(page(objects, input)))
    }

    async fn create_multipart_upload(
        &self,
        mut req: S3Request<CreateMultipartUploadInput>,
    ) -> S3Result<S3Response<CreateMultipartUploadOutput>> {
        let original = req.input.key.clone();
        req.input.key = self.write_key(&req.input.bucket, &original)?;
        let mut answer = self.inner.create_multipart_upload(req).await?;
        answer.output.key = Some(original);
        Ok(answer)
    }

    async fn upload_part(&self, mut req: S3Request<UploadPartInput>) -> S3Result<S3Response<UploadPartOutput>> {
        req.input.key = self.write_key(&req.input.bucket, &req.input.key)?;
        self.inner.upload_part(req).await
    }

    async fn upload_part_copy(
        &self,
        mut req: S3Request<UploadPartCopyInput>,
    ) -> S3Result<S3Response<UploadPartCopyOutput>> {
        req.input.copy_source = self.copy_source(req.input.copy_source.clone());
        req.input.key = self.write_key(&req.input.bucket, &req.input.key)?;
        self.inner.upload_part_copy(req).await
    }

    async fn list_parts(&self, mut req: S3Request<ListPartsInput>) -> S3Result<S3Response<ListPartsOutput>> {
        let original = req.input.key.clone();
        req.input.key = self.write_key(&req.input.bucket, &original)?;
        let mut answer = self.inner.list_parts(req).await?;
        answer.output.key = Some(original);
        Ok(answer)
    }

    async fn complete_multipart_upload(
        &self,
        mut req: S3Request<CompleteMultipartUploadInput>,
    ) -> S3Result<S3Response<CompleteMultipartUploadOutput>> {
        let original = req.input.key.clone();
        req.input.key = self.write_key(&req.input.bucket, &original)?;
        let mut answer = self.inner.complete_multipart_upload(req).await?;
        // s3s-fs answers through a future (S3's keep-alive completion); it names the key too.
        if let Some(future) = answer.output.future.take() {
            let key = original.clone();
            answer.output.future = Some(Box::pin(async move {
                future.await.map(|mut output| {
                    output.key = Some(key);
                    output
                })
            }));
        }
        answer.output.key = Some(original);
        Ok(answer)
    }

    async fn abort_multipart_upload(
        &self,
        mut req: S3Request<AbortMultipartUploadInput>,
    ) -> S3Result<S3Response<AbortMultipartUploadOutput>> {
        req.input.key = self.write_key(&req.input.bucket, &req.input.key)?;
        self.inner.abort_multipart_upload(req).await
    }
}

/// One page of a listing, as s3s-fs pages it: prefix, delimiter (common prefixes), the later of
/// continuation token and start-after, then at most max-keys entries in key order.
fn page(objects: BTreeMap<String, Object>, input: ListObjectsV2Input) -> ListObjectsV2Output {
    let prefix = input.prefix.as_deref().unwrap_or("").trim_start_matches('/').to_owned();
    let delimiter = input.delimiter.as_deref().filter(|d| !d.is_empty());
    // Each entry is an object, or a common prefix (None).
    let mut entries: BTreeMap<String, Option<Object>> = BTreeMap::new();
    for (key, object) in objects.into_iter().filter(|(k, _)| k.starts_with(&prefix)) {
        let rest = &key[prefix.len()..];
        match delimiter.and_then(|d| rest.find(d).map(|at| prefix.len() + at + d.len())) {
            Some(end) => {
                entries.entry(key[..end].to_owned()).or_insert(None);
            }
            None => {
                entries.insert(key, Some(object));
            }
        }
    }
    let marker = match (input.continuation_token.as_deref(), input.start_after.as_deref()) {
        (Some(a), Some(b)) => Some(a.max(b).to_owned()),
        (a, b) => a.or(b).map(str::to_owned),
    };
    let max_keys = input.max_keys.unwrap_or(1000);
    let limit = usize::try_from(max_keys).unwrap_or(0);
    let mut remaining = entries.into_iter().filter(|(k, _)| marker.as_ref().is_none_or(|m| k > m)).peekable();
    let (mut contents, mut common_prefixes, mut last) = (Vec::new(), Vec::new(), None);
    while contents.len() + common_prefixes.len() < limit {
        let Some((key, entry)) = remaining.next() else { break };
        match entry {
            Some(object) => contents.push(object),
            None => common_prefixes.push(CommonPrefix { prefix: Some(key.clone()) }),
        }
        last = Some(key);
    }
    let is_truncated = limit > 0 && remaining.peek().is_some();
    ListObjectsV2Output {
        key_count: i32::try_from(contents.len() + common_prefixes.len()).ok(),
        max_keys: Some(max_keys),
        is_truncated: Some(is_truncated),
        contents: (!contents.is_empty()).then_some(contents),
        common_prefixes: (!common_prefixes.is_empty()).then_some(common_prefixes),
        continuation_token: input.continuation_token,
        next_continuation_token: if is_truncated { last } else { None },
        delimiter: input.delimiter,
        encoding_type: input.encoding_type,
        name: Some(input.bucket),
        prefix: input.prefix,
        start_after: input.start_after,
        ..Default::default()
    }
}
