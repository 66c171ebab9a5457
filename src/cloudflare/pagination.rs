//! Page-based listing: every item of a list endpoint, following `result_info` (or, without it,
//! full pages), bounded whatever the server says.

use anyhow::Result;
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::Client;

/// A bound on listing, whatever the server says.
const MAX_PAGES: u32 = 1000;

impl Client {
    /// Every item of a page-based list endpoint.
    pub async fn list<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
        per_page: u32,
    ) -> Result<Vec<T>> {
        let mut items: Vec<Value> = Vec::new();
        let mut page = 1u32;
        let mut previous_first: Option<Value> = None;
        loop {
            let mut q: Vec<(&str, String)> = query.to_vec();
            q.push(("page", page.to_string()));
            q.push(("per_page", per_page.to_string()));
            let env = self.call(Method::GET, path, &q, None).await?;
            let batch: Vec<Value> = self.decode("GET", path, env.result)?;
            // An endpoint that ignores `page` sends the same page again: stop there.
            if page > 1 && !batch.is_empty() && batch.first() == previous_first.as_ref() {
                break;
            }
            previous_first = batch.first().cloned();
            let n = batch.len() as u64;
            items.extend(batch);
            let info = env.result_info.unwrap_or_default();
            let more = match (info.total_pages, info.total_count) {
                (Some(total), _) => page < total,
                (None, Some(count)) => u64::from(page) * u64::from(per_page) < u64::from(count),
                // No paging information: a full page may have a successor.
                (None, None) => n == u64::from(per_page),
            };
            if !more || page >= MAX_PAGES {
                break;
            }
            page += 1;
        }
        self.decode("GET", path, Some(Value::Array(items)))
    }
}
