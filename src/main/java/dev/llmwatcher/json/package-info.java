/**
 * JSON as plain Java values (maps, lists, strings, numbers), read and written with Jackson's streaming core, and the
 * one shared object mapper. Uses no other package of ours.
 */
package dev.llmwatcher.json;
