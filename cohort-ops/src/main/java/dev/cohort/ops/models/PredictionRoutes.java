package dev.cohort.ops.models;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.cohort.ops.registry.ModelVersion;
import dev.cohort.ops.web.AccessToken;
import dev.cohort.ops.web.Replies;
import dev.cohort.train.serve.Classifier;
import java.io.IOException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The model server's HTTP side: the token first, then {@code POST /predict} (a body of at most
 * {@value #MAX_REQUEST_BYTES} bytes, {@code {"pixels": [...]}} with finite values) and {@code GET
 * /version}. Each prediction runs on the version serving when it starts, and names it.
 */
final class PredictionRoutes extends Handler.Abstract {
  /** Fashion-MNIST's class names, by label. */
  static final String[] FASHION_CLASSES = {
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot"
  };

  private static final int MAX_REQUEST_BYTES = 1 << 20;
  private static final ObjectMapper JSON =
      new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  record PredictRequest(float[] pixels) {}

  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  record PredictReply(
      String model, int version, int label, String className, float[] probabilities) {}

  record VersionReply(String model, int version) {}

  private final ModelServer server;
  private final AccessToken token;

  PredictionRoutes(ModelServer server, AccessToken token) {
    this.server = server;
    this.token = token;
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) {
    if (!Replies.admitted(
        token, request, response, callback, "use the URL cohort models serve printed")) {
      return true;
    }
    String path = Request.getPathInContext(request);
    String method = request.getMethod();
    try {
      if (path.equals("/predict") && method.equals("POST")) {
        return Replies.send(response, callback, 200, "application/json", predict(request));
      }
      if (path.equals("/version") && method.equals("GET")) {
        ModelVersion v = server.serving();
        return Replies.send(
            response,
            callback,
            200,
            "application/json",
            JSON.writeValueAsBytes(new VersionReply(v.model(), v.version())));
      }
      return Replies.text(
          response, callback, 404, "no " + method + " " + path + ": POST /predict or GET /version");
    } catch (IllegalArgumentException e) {
      return Replies.text(response, callback, 400, e.getMessage());
    } catch (IOException | RuntimeException e) {
      return Replies.text(response, callback, 500, "cannot answer: " + e.getMessage());
    }
  }

  private byte[] predict(Request request) throws IOException {
    float[] pixels = pixels(request);
    PredictReply reply =
        server.withServing(
            served -> {
              Classifier.Prediction p = served.classifier().predict(pixels);
              ModelVersion v = served.version();
              String name =
                  p.probabilities().length == FASHION_CLASSES.length
                      ? FASHION_CLASSES[p.label()]
                      : null;
              return new PredictReply(v.model(), v.version(), p.label(), name, p.probabilities());
            });
    return JSON.writeValueAsBytes(reply);
  }

  /**
   * The request's pixels.
   *
   * @throws IllegalArgumentException for a body too large, not JSON of that shape, or not finite
   */
  private static float[] pixels(Request request) throws IOException {
    byte[] body;
    try {
      body = Content.Source.asByteArrayAsync(request, MAX_REQUEST_BYTES).get(30, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalArgumentException(
          "the request body could not be read whole (at most " + MAX_REQUEST_BYTES + " bytes)");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while reading the request", e);
    }
    PredictRequest in;
    try {
      in = JSON.readValue(body, PredictRequest.class);
    } catch (JacksonException e) {
      throw new IllegalArgumentException(
          "the body must be JSON {\"pixels\": [...]}: " + e.getOriginalMessage());
    }
    if (in.pixels() == null) {
      throw new IllegalArgumentException("the body must be JSON {\"pixels\": [...]}");
    }
    for (int i = 0; i < in.pixels().length; i++) {
      if (!Float.isFinite(in.pixels()[i])) {
        throw new IllegalArgumentException(
            "pixel " + i + " is " + in.pixels()[i] + ": give numbers");
      }
    }
    return in.pixels();
  }
}
