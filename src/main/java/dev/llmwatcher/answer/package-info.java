/**
 * Reading an LLM's answer: parsing it, validating it against the document's format or JSON schema, and merging it into
 * the document's fields. Uses the LLM port's answer type and {@code json}; knows no provider, queue or store.
 */
package dev.llmwatcher.answer;
