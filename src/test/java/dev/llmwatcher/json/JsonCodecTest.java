package dev.llmwatcher.json;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class JsonCodecTest {

    @Test
    void readsObjectsInDocumentOrderWithDatabindsNumberTypes() throws IOException {
        Map<String, Object> read = JsonCodec.readObject(bytes(
                "{\"z\":1,\"a\":[true,null,\"é\\n\"],\"big\":12345678901,\"huge\":123456789012345678901234,"
                        + "\"x\":1.5,\"o\":{}}"));

        assertThat(read).containsKeys("z", "a", "big", "huge", "x", "o");
        assertThat(List.copyOf(read.keySet())).containsExactly("z", "a", "big", "huge", "x", "o");
        assertThat(read.get("z")).isEqualTo(1);
        assertThat(read.get("big")).isEqualTo(12345678901L);
        assertThat(read.get("huge")).isEqualTo(new BigInteger("123456789012345678901234"));
        assertThat(read.get("x")).isEqualTo(1.5);
        assertThat(read.get("a")).isEqualTo(Arrays.asList(true, null, "é\n"));
        assertThat(read.get("o")).isEqualTo(Map.of());
    }

    @Test
    void writesWhatItReadsAndKeepsNullValuesSoAPartialUpdateCanClearAField() throws IOException {
        Map<String, Object> change = new LinkedHashMap<>();
        change.put("claim", null);
        change.put("attempts", 0);
        change.put("score", new BigDecimal("0.10"));
        change.put("tags", Arrays.asList("a", null));
        change.put("nested", Map.of("k", List.of(1L, 2.5)));

        String text = JsonCodec.writeString(change);

        assertThat(text).isEqualTo("{\"claim\":null,\"attempts\":0,\"score\":0.10,\"tags\":[\"a\",null],"
                + "\"nested\":{\"k\":[1,2.5]}}");
        assertThat(JsonCodec.readObject(bytes(text))).containsEntry("claim", null).containsEntry("attempts", 0);
    }

    @Test
    void writesOneValuePerLineWithLineBreaksInsideStringsEscaped() throws IOException {
        List<Object> values = List.of(Map.of("index", Map.of("_index", "a", "_id", "1")),
                Map.of("text", "two\nlines\r\n", "n", List.of(1, 2.5)), "plain", 42);
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();

        JsonCodec.writeLines(out, values);

        String text = out.toString(StandardCharsets.UTF_8);
        assertThat(text).endsWith("\n");
        String[] lines = text.split("\n", -1);
        assertThat(lines).hasSize(values.size() + 1);
        for (int i = 0; i < values.size(); i++) {
            assertThat(lines[i]).isEqualTo(JsonCodec.writeString(values.get(i)));
            assertThat(JsonCodec.read(bytes(lines[i]))).isEqualTo(values.get(i));
        }
    }

    @Test
    void sortedOutputIsTheSameForTheSameContentInAnyOrder() {
        Map<String, Object> one = new LinkedHashMap<>();
        one.put("b", Map.of("y", 1, "x", 2));
        one.put("a", "text");
        Map<String, Object> other = new LinkedHashMap<>();
        other.put("a", "text");
        other.put("b", new LinkedHashMap<>(Map.of("x", 2, "y", 1)));

        assertThat(JsonCodec.writeSorted(one)).isEqualTo(JsonCodec.writeSorted(other))
                .isEqualTo("{\"a\":\"text\",\"b\":{\"x\":2,\"y\":1}}");
    }

    @Test
    void emptyTrailingOrNonObjectInputIsAnError() {
        assertThatThrownBy(() -> JsonCodec.read(bytes(""))).isInstanceOf(IOException.class).hasMessageContaining("empty");
        assertThatThrownBy(() -> JsonCodec.read(bytes("{} {}"))).isInstanceOf(IOException.class)
                .hasMessageContaining("more than one");
        assertThatThrownBy(() -> JsonCodec.readObject(bytes("[1]"))).isInstanceOf(IOException.class)
                .hasMessageContaining("expected a JSON object");
        assertThatThrownBy(() -> JsonCodec.read(bytes("{\"a\":"))).isInstanceOf(IOException.class);
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
