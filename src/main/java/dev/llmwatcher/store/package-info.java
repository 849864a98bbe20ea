/**
 * What the two search-engine adapters ({@code elasticsearch}, {@code opensearch}) share and no client library
 * decides: the queue's query shapes as plain JSON maps (the query DSL both engines speak), the changes a claim, a
 * failure, a release or a batch submission makes to a queue document, the answer cache's document, and how to read
 * a bulk item's refusal. Uses the ports and nothing else; imports no client library.
 */
package dev.llmwatcher.store;
