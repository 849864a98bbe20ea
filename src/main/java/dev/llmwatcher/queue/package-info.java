/**
 * The queue port: what the engine needs of the queue (scans, conditional claims, write-back, failure records, the
 * batch bookkeeping) and its documents, claims and outcomes, and what the operator commands need of it (its status,
 * releasing stuck documents, its index template). Uses only the cache port's entry type; the Elasticsearch and
 * OpenSearch adapters implement it, and the in-memory fake of the tests follows the same contract.
 */
package dev.llmwatcher.queue;
