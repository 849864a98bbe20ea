/**
 * The {@code demo} command's local cluster: an Elasticsearch from Maven Central with TLS and the shipped pipeline, and
 * a first pass over it, for a first run without a cluster of one's own. Uses {@code app} and what it assembles.
 */
package dev.llmwatcher.demo;
