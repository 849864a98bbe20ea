/**
 * The OpenSearch adapters (OpenSearch and Amazon OpenSearch Service): the queue store and its batch bookkeeping, the
 * backfill's scan and queue writes, the answer cache, the token ledger, the operator's side ({@code setup}, the queue's
 * status, releasing stuck documents), on the OpenSearch project's own client (opensearch-java), signed with AWS SigV4
 * when asked. The only package that imports opensearch-java; uses the ports, {@code store} (the query shapes, document
 * changes and index templates it shares with the Elasticsearch adapter), {@code config} and {@code json}, never the
 * engine.
 */
package dev.llmwatcher.opensearch;
