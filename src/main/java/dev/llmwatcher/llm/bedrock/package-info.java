/**
 * The Amazon Bedrock provider: the Converse API through the AWS SDK, a forced tool for structured answers, and
 * Bedrock's errors in the port's terms. Uses the LLM port only; the SDK's classes load on the first Bedrock call.
 */
package dev.llmwatcher.llm.bedrock;
