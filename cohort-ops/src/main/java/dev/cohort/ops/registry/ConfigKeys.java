package dev.cohort.ops.registry;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Flattens a JSON config to dotted keys, e.g. {@code {"optimizer":{"lr":0.1},"layers":[64,32]}}
 * becomes {@code optimizer.lr = 0.1}, {@code layers[0] = 64}, {@code layers[1] = 32}. Values are
 * JSON text, so the string {@code "1"} and the number {@code 1} stay distinct.
 */
final class ConfigKeys {

  private ConfigKeys() {}

  /** The flattened keys of a config, sorted; {@code what} names the config in errors. */
  static SortedMap<String, String> flatten(String json, String what) {
    SortedMap<String, String> out = new TreeMap<>();
    walk("", JsonCodec.readTree(json, what), out);
    return out;
  }

  private static void walk(String prefix, JsonNode node, Map<String, String> out) {
    if (node.isObject() && node.size() > 0) {
      Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
      while (fields.hasNext()) {
        Map.Entry<String, JsonNode> field = fields.next();
        walk(
            prefix.isEmpty() ? field.getKey() : prefix + "." + field.getKey(),
            field.getValue(),
            out);
      }
    } else if (node.isArray() && node.size() > 0) {
      for (int i = 0; i < node.size(); i++) {
        walk(prefix + "[" + i + "]", node.get(i), out);
      }
    } else {
      out.put(prefix.isEmpty() ? "(root)" : prefix, node.toString());
    }
  }
}
