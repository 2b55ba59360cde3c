package dev.cohort.ops.registry;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.json.JsonMapper;

/**
 * The registry's JSON: evaluations and audit details as snake_case JSON of the typed records, and
 * parsing of the training config. Thread-safe.
 */
final class JsonCodec {

  private static final ObjectMapper MAPPER =
      JsonMapper.builder()
          .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
          // A newer Cohort may add fields; an older one still reads what it knows.
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .build();

  private JsonCodec() {}

  /** Compact JSON for a value built from records, maps, lists and scalars. */
  static String write(Object value) {
    try {
      return MAPPER.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(
          "cannot write "
              + value.getClass().getSimpleName()
              + " as JSON: "
              + e.getOriginalMessage(),
          e);
    }
  }

  /** Reads a stored evaluation; {@code where} names the row, e.g. {@code "demo v2"}. */
  static Evaluation readEvaluation(String json, String where) {
    try {
      return MAPPER.readValue(json, Evaluation.class);
    } catch (JsonProcessingException | IllegalArgumentException e) {
      throw new RegistryException(
          "the stored evaluation of "
              + where
              + " cannot be read ("
              + RegistryException.firstLine(e.getMessage())
              + "); the row was edited by hand or written by an incompatible Cohort version",
          e);
    }
  }

  /** Parses JSON text; {@code what} names it in the error, e.g. "the config of demo v2". */
  static JsonNode readTree(String json, String what) {
    try {
      return MAPPER.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(
          what
              + " is not valid JSON ("
              + e.getOriginalMessage()
              + "); pass the config as JSON text",
          e);
    }
  }
}
