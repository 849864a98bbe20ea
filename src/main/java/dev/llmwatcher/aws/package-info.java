/**
 * The AWS Lambda shell: the handlers, the runner that builds one watcher per container, Secrets Manager credentials,
 * CloudWatch EMF metrics and SnapStart priming. Uses {@code app} and what it assembles, and the AWS SDK; only the
 * command line ({@code invoke}) uses it.
 */
package dev.llmwatcher.aws;
