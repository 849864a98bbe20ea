package dev.llmwatcher.llm.http;

import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.io.entity.AbstractHttpEntity;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.SequenceInputStream;
import java.util.List;

/**
 * A request body given as byte arrays to send one after another (a multipart upload's framing around a file's
 * chunks), so a large file is never copied into one array; its length is known, so it goes with a
 * {@code Content-Length}.
 */
final class PartsEntity extends AbstractHttpEntity {

    private final List<byte[]> parts;
    private final long length;

    PartsEntity(List<byte[]> parts, ContentType contentType) {
        super(contentType, null);
        this.parts = List.copyOf(parts);
        this.length = this.parts.stream().mapToLong(part -> part.length).sum();
    }

    @Override
    public InputStream getContent() {
        return new SequenceInputStream(java.util.Collections.enumeration(
                parts.stream().map(part -> (InputStream) new ByteArrayInputStream(part)).toList()));
    }

    @Override
    public void writeTo(OutputStream out) throws IOException {
        for (byte[] part : parts) {
            out.write(part);
        }
        out.flush();
    }

    @Override
    public long getContentLength() {
        return length;
    }

    @Override
    public boolean isRepeatable() {
        return true;
    }

    @Override
    public boolean isStreaming() {
        return false;
    }

    @Override
    public void close() {
    }
}
