/**
 * What the two search-engine adapters ({@code elasticsearch}, {@code opensearch}) share and no client library
 * decides: the queue's query shapes as plain JSON maps (the query DSL both engines speak), the changes a claim, a
 * failure, a release or a batch submission makes to a queue document, the answer cache's document, and how to read
 * a bulk item's refusal, and which server certificate to trust when the cluster's CA is given by its fingerprint.
 * Uses the ports and the JDK and nothing else; imports no client library.
 */
package dev.llmwatcher.store;
