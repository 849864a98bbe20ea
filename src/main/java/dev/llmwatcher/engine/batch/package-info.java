/**
 * The batch drain mode: waiting documents submitted to a provider's Batch API, and finished batches collected through
 * the same interpretation and write-back as direct answers. Implements {@link dev.llmwatcher.engine.BatchWork}; uses
 * the engine's document processing and write-back, the ports and {@code config}, never a provider package.
 */
package dev.llmwatcher.engine.batch;
