/**
 * The configuration: every setting read once from flags and environment variables into immutable records, validated
 * with messages a user can act on. Uses no other package of ours.
 */
package dev.llmwatcher.config;
