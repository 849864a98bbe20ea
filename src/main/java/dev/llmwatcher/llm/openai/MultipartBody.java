package dev.llmwatcher.llm.openai;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A {@code multipart/form-data} body (RFC 7578) of text fields and one file, for OpenAI's file upload. It only frames
 * parts around bytes it is given, and the file's bytes are passed through as they are, never copied into one array
 * with the framing (HttpClient 5's multipart builder would take the file as one array or as a stream of unknown
 * length, sent chunked).
 */
public final class MultipartBody {

    private static final String CRLF = "\r\n";

    private final String boundary;
    private final Map<String, String> fields = new LinkedHashMap<>();
    private String fileField;
    private String fileName;
    private String fileType;
    private List<byte[]> fileChunks = List.of();

    public MultipartBody() {
        this("llm-watcher-" + UUID.randomUUID());
    }

    MultipartBody(String boundary) {
        this.boundary = boundary;
    }

    public MultipartBody field(String name, String value) {
        fields.put(name, value);
        return this;
    }

    /** The file part: {@code chunks} concatenated are its content. */
    public MultipartBody file(String name, String filename, String contentType, List<byte[]> chunks) {
        this.fileField = name;
        this.fileName = filename;
        this.fileType = contentType;
        this.fileChunks = List.copyOf(chunks);
        return this;
    }

    public String contentType() {
        return "multipart/form-data; boundary=" + boundary;
    }

    /** The body as byte arrays to send in order: the framing, the file's chunks as they were given, the end. */
    public List<byte[]> parts() {
        List<byte[]> parts = new ArrayList<>();
        StringBuilder head = new StringBuilder();
        fields.forEach((name, value) -> head.append("--").append(boundary).append(CRLF)
                .append("Content-Disposition: form-data; name=\"").append(name).append('"').append(CRLF)
                .append(CRLF).append(value).append(CRLF));
        if (fileField != null) {
            head.append("--").append(boundary).append(CRLF)
                    .append("Content-Disposition: form-data; name=\"").append(fileField).append("\"; filename=\"")
                    .append(fileName).append('"').append(CRLF)
                    .append("Content-Type: ").append(fileType).append(CRLF).append(CRLF);
        }
        parts.add(bytes(head.toString()));
        parts.addAll(fileChunks);
        parts.add(bytes((fileField != null ? CRLF : "") + "--" + boundary + "--" + CRLF));
        return parts;
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
