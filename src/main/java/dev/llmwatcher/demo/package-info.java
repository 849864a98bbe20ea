/**
 * The {@code demo} command's local cluster: an Elasticsearch from Maven Central with TLS and the shipped pipeline, and
 * a first pass over it, for a first run without a cluster of one's own. Uses {@code app}, {@code elasticsearch} and
 * {@code config}.
 */
package dev.llmwatcher.demo;
