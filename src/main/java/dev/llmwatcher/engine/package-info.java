/**
 * The pass: claim, prepare, call, interpret and write back, within a deadline, under back-pressure, paying once per
 * question. Uses the ports ({@code queue}, {@code llm}, {@code cache}, {@code batch}), {@code answer}, {@code prompt}
 * and {@code config}; never an adapter, a provider package or a shell. The batch drain is {@code engine.batch}, seen
 * here only as {@link dev.llmwatcher.engine.BatchWork}.
 */
package dev.llmwatcher.engine;
