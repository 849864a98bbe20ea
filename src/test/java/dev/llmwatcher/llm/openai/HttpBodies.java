package dev.llmwatcher.llm.openai;

import java.io.ByteArrayOutputStream;
import java.util.List;

/** The bytes a body of parts sends, for tests of what goes on the wire. */
final class HttpBodies {

    private HttpBodies() {
    }

    static byte[] bytes(List<byte[]> parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        parts.forEach(out::writeBytes);
        return out.toByteArray();
    }
}
