/**
 * Reading an LLM's answer: parsing it, validating it against the document's format or JSON schema, and merging it into
 * the document's fields. Uses only the LLM port's answer type; knows no provider, queue or store.
 */
package dev.llmwatcher.answer;
