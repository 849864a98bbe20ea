package dev.llmwatcher.http;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads HTTP/1.1 answers from a connection's input: status line, headers, and a body framed by
 * {@code Content-Length}, by chunks, or by the end of the connection. Strict where sloppiness would lose track of
 * where one answer ends and the next begins; every refusal says what was wrong.
 */
final class ResponseReader {

    static final int MAX_HEADER_BYTES = 64 * 1024;
    static final int MAX_BODY_BYTES = 512 * 1024 * 1024;

    private final InputStream in;
    private final byte[] buffer = new byte[16 * 1024];
    private int position;
    private int limit;
    private long bytesRead;

    ResponseReader(InputStream in) {
        this.in = in;
    }

    /** Bytes taken from the connection so far: zero means the server sent nothing at all since we began. */
    long bytesRead() {
        return bytesRead;
    }

    /** The head of an answer: status, headers, and whether the connection may be used again after the body. */
    record Head(int status, String version, Map<String, List<String>> headers) {

        String first(String name) {
            List<String> values = headers.get(name);
            return values == null || values.isEmpty() ? null : values.getFirst();
        }

        boolean keepAlive() {
            String connection = headers.containsKey("connection")
                    ? String.join(",", headers.get("connection")).toLowerCase(Locale.ROOT) : "";
            if ("HTTP/1.0".equals(version)) {
                return connection.contains("keep-alive");
            }
            return !connection.contains("close");
        }
    }

    /** Reads status lines until a final (non-1xx) one, then its headers. */
    Head readHead() throws IOException {
        int headerBytes = 0;
        while (true) {
            String statusLine = readLine(MAX_HEADER_BYTES);
            if (statusLine == null) {
                throw new EOFException("the server closed the connection without answering");
            }
            headerBytes += statusLine.length();
            String[] parts = statusLine.split(" ", 3);
            if (parts.length < 2 || !parts[0].startsWith("HTTP/1.") || parts[1].length() != 3) {
                throw new IOException("not an HTTP/1.1 answer: \"" + printable(statusLine) + "\"");
            }
            int status;
            try {
                status = Integer.parseInt(parts[1]);
            } catch (NumberFormatException e) {
                throw new IOException("not an HTTP status code: \"" + printable(parts[1]) + "\"");
            }
            Map<String, List<String>> headers = readHeaders(MAX_HEADER_BYTES - headerBytes);
            if (status >= 100 && status < 200 && status != 101) {
                continue;
            }
            return new Head(status, parts[0], headers);
        }
    }

    private Map<String, List<String>> readHeaders(int budget) throws IOException {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        String lastName = null;
        int used = 0;
        while (true) {
            String line = readLine(budget - used);
            if (line == null) {
                throw new EOFException("the connection closed in the middle of the answer's headers");
            }
            if (line.isEmpty()) {
                return headers;
            }
            used += line.length() + 2;
            boolean folded = line.charAt(0) == ' ' || line.charAt(0) == '\t';
            if (folded && lastName != null) {
                // obs-fold: RFC 9112 section 5.2 has a client replace it with a space, not refuse the answer
                List<String> values = headers.get(lastName);
                values.set(values.size() - 1, values.getLast() + " " + line.strip());
                continue;
            }
            int colon = line.indexOf(':');
            if (colon <= 0 || folded) {
                throw new IOException("malformed header line in the answer: \"" + printable(line) + "\"");
            }
            String name = line.substring(0, colon).strip().toLowerCase(Locale.ROOT);
            headers.computeIfAbsent(name, n -> new ArrayList<>(1)).add(line.substring(colon + 1).strip());
            lastName = name;
        }
    }

    /**
     * The body that follows {@code head}, framed as RFC 9112 says.
     *
     * @return the body, and whether the connection may carry another exchange: not when the body ended with the
     *         connection, when the framing was ambiguous (both {@code Transfer-Encoding} and {@code Content-Length},
     *         or {@code Transfer-Encoding} in HTTP/1.0: a sign of response splitting), nor when bytes follow the
     *         answer (RFC 9112 section 6.3: they must never be taken as the answer to the next request)
     */
    Body readBody(Head head, boolean headRequest) throws IOException {
        int status = head.status();
        if (headRequest || status == 204 || status == 304 || (status >= 100 && status < 200)) {
            return new Body(new byte[0], status != 101 && nothingMore());
        }
        List<String> codings = head.headers().get("transfer-encoding");
        List<String> lengths = head.headers().get("content-length");
        if (codings != null) {
            String transferEncoding = String.join(",", codings);
            if (!transferEncoding.strip().equalsIgnoreCase("chunked")) {
                throw new IOException("unsupported Transfer-Encoding in the answer: " + printable(transferEncoding));
            }
            byte[] body = readChunked();
            return new Body(body, lengths == null && !"HTTP/1.0".equals(head.version()) && nothingMore());
        }
        if (lengths != null) {
            byte[] body = readExactly(contentLength(lengths));
            return new Body(body, nothingMore());
        }
        return new Body(readToEnd(), false);
    }

    record Body(byte[] bytes, boolean reusable) {
    }

    /**
     * Whether the server sent nothing past the answer read, as far as can be seen without waiting: checked after each
     * answer, and again before an idle connection is reused (some servers send a 408 before closing one).
     */
    boolean nothingMore() {
        try {
            return position == limit && in.available() == 0;
        } catch (IOException e) {
            return false;
        }
    }

    private static int contentLength(List<String> values) throws IOException {
        long length = -1;
        for (String value : values) {
            for (String part : value.split(",")) {
                long parsed;
                try {
                    parsed = Long.parseLong(part.strip());
                } catch (NumberFormatException e) {
                    throw new IOException("malformed Content-Length in the answer: " + printable(value));
                }
                if (parsed < 0 || (length >= 0 && parsed != length)) {
                    throw new IOException("conflicting or negative Content-Length in the answer: " + values);
                }
                length = parsed;
            }
        }
        if (length > MAX_BODY_BYTES) {
            throw new IOException("the answer's body is too large: " + length + " bytes (at most " + MAX_BODY_BYTES
                    + ")");
        }
        return (int) length;
    }

    private byte[] readExactly(int length) throws IOException {
        return readAnnounced(new byte[Math.min(length, buffer.length)], 0, length);
    }

    /**
     * Reads {@code count} announced bytes into {@code body} from {@code size} on, growing it only as they arrive: an
     * announced length is a claim, and memory for it is not given before the bytes are.
     *
     * @return {@code body}, or a larger copy of it
     */
    private byte[] readAnnounced(byte[] body, int size, int count) throws IOException {
        int end = size + count;
        int at = size;
        while (at < end) {
            if (at == body.length) {
                body = Arrays.copyOf(body, (int) Math.min(end, Math.max(8 * 1024, 2L * at)));
            }
            int wanted = Math.min(body.length, end) - at;
            int filled = readUpTo(body, at, wanted);
            at += filled;
            if (filled < wanted) {
                throw new EOFException("the connection closed after " + (at - size) + " of " + count
                        + " announced bytes of the answer");
            }
        }
        return body;
    }

    /**
     * Fills {@code target[offset, offset + length)}: from what is buffered first, then from the connection.
     *
     * @return how many bytes were filled: fewer than {@code length} only when the connection ended
     */
    private int readUpTo(byte[] target, int offset, int length) throws IOException {
        int filled = Math.min(length, limit - position);
        System.arraycopy(buffer, position, target, offset, filled);
        position += filled;
        while (filled < length) {
            int n = in.read(target, offset + filled, length - filled);
            if (n < 0) {
                break;
            }
            bytesRead += n;
            filled += n;
        }
        return filled;
    }

    private byte[] readChunked() throws IOException {
        byte[] body = new byte[8 * 1024];
        int size = 0;
        while (true) {
            String sizeLine = readLine(1024);
            if (sizeLine == null) {
                throw new EOFException("the connection closed in the middle of a chunked answer");
            }
            int semicolon = sizeLine.indexOf(';');
            String hex = (semicolon >= 0 ? sizeLine.substring(0, semicolon) : sizeLine).strip();
            int chunk;
            try {
                chunk = Integer.parseInt(hex, 16);
            } catch (NumberFormatException e) {
                throw new IOException("malformed chunk size in the answer: \"" + printable(sizeLine) + "\"");
            }
            if (chunk < 0 || (long) size + chunk > MAX_BODY_BYTES) {
                throw new IOException("the answer's body is too large (at most " + MAX_BODY_BYTES + " bytes)");
            }
            if (chunk == 0) {
                readHeaders(MAX_HEADER_BYTES);
                return Arrays.copyOf(body, size);
            }
            body = readAnnounced(body, size, chunk);
            size += chunk;
            String end = readLine(2);
            if (end == null || !end.isEmpty()) {
                throw new IOException("a chunk of the answer did not end where its size said");
            }
        }
    }

    private byte[] readToEnd() throws IOException {
        byte[] body = Arrays.copyOfRange(buffer, position, limit);
        int size = body.length;
        position = limit;
        while (true) {
            if (size == body.length) {
                if (size >= MAX_BODY_BYTES) {
                    throw new IOException("the answer's body is too large (at most " + MAX_BODY_BYTES + " bytes)");
                }
                body = Arrays.copyOf(body, Math.min(MAX_BODY_BYTES, Math.max(8 * 1024, size * 2)));
            }
            int n = in.read(body, size, body.length - size);
            if (n < 0) {
                return Arrays.copyOf(body, size);
            }
            bytesRead += n;
            size += n;
        }
    }

    /** A line without its CRLF (a bare LF is accepted), or null at a clean end of input before any byte of it. */
    private String readLine(int max) throws IOException {
        StringBuilder line = null;
        while (true) {
            if (position == limit && !fill()) {
                if (line == null) {
                    return null;
                }
                throw new EOFException("the connection closed in the middle of a line of the answer");
            }
            int start = position;
            while (position < limit && buffer[position] != '\n') {
                position++;
            }
            int length = position - start;
            if (line == null) {
                line = new StringBuilder(Math.min(length + 16, 256));
            }
            if (line.length() + length > max) {
                throw new IOException("a line of the answer is longer than " + max + " bytes");
            }
            line.append(new String(buffer, start, length, StandardCharsets.ISO_8859_1));
            if (position < limit) {
                position++;
                int end = line.length();
                if (end > 0 && line.charAt(end - 1) == '\r') {
                    line.setLength(end - 1);
                }
                return line.toString();
            }
        }
    }

    private boolean fill() throws IOException {
        int n = in.read(buffer, 0, buffer.length);
        if (n <= 0) {
            return false;
        }
        bytesRead += n;
        position = 0;
        limit = n;
        return true;
    }

    private static String printable(String text) {
        String clipped = text.length() > 100 ? text.substring(0, 100) + "..." : text;
        return clipped.replaceAll("[^\\x20-\\x7e]", "?");
    }
}
