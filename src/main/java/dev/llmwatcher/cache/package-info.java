/**
 * The answer cache port: answers already paid for, by question (the key covers provider, endpoint, model, prompt,
 * format and options). Uses only the LLM port's answer types; the Elasticsearch adapter implements it.
 */
package dev.llmwatcher.cache;
