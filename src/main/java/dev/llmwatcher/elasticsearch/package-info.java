/**
 * The Elasticsearch adapters: the queue store and its batch bookkeeping (the queue port), the answer cache (the cache
 * port), and the cluster's administration (templates, pipeline, status, release). The only package that imports
 * elasticsearch-java; uses the ports, {@code config} and {@code json}, never the engine.
 */
package dev.llmwatcher.elasticsearch;
