/**
 * The command-line shell: arguments, the commands ({@code watch}, {@code invoke}, {@code setup}, {@code status},
 * {@code batches}, {@code release}, {@code cache}, {@code demo}) and what they print, over {@code app}. May use every
 * package; nothing depends on it.
 */
package dev.llmwatcher.cli;
