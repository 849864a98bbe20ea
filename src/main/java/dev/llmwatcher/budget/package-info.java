/**
 * The daily token budget: how much each model may spend per UTC day, shared by every process that drains the same
 * cluster. {@link dev.llmwatcher.budget.TokenLedger} is the port to where that spend is kept (an Elasticsearch index
 * in production, see {@code dev.llmwatcher.elasticsearch.ElasticsearchTokenLedger}); {@link
 * dev.llmwatcher.budget.LedgerDay} holds the ledger's rules once, so every adapter grants the same way;
 * {@link dev.llmwatcher.budget.TokenBudget} is what a drainer uses: it leases chunks of the day's budget, estimates
 * each call before it goes out and settles it with the real usage after.
 *
 * <p>This package uses nothing else of ours and no library but SLF4J: callers hand it model names, prompt lengths
 * and token counts, never LLM requests or queue documents.
 */
package dev.llmwatcher.budget;
