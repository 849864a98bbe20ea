/**
 * Rendering a prompt template over a document's fields, with Pebble (autoescaping off, maps and plain values only).
 * Uses no other package of ours.
 */
package dev.llmwatcher.prompt;
