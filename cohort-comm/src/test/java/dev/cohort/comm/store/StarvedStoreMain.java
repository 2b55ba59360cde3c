package dev.cohort.comm.store;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.BufferedReader;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.util.ArrayList;
import java.util.List;

/**
 * A store process for {@link StoreAcceptorTest}, run under a low {@code ulimit -n}, and {@link
 * StoreWarningsTest}, which reads its log: on "exhaust" it opens /dev/null until no descriptor is
 * left, on "release" it closes them again, on end of input it stops. The secret comes from
 * COHORT_SECRET.
 */
public final class StarvedStoreMain {
  private StarvedStoreMain() {}

  public static void main(String[] args) throws IOException {
    BufferedReader commands = new BufferedReader(new InputStreamReader(System.in, UTF_8));
    List<FileInputStream> held = new ArrayList<>();
    try (StoreServer server =
        StoreServer.start("127.0.0.1", 0, System.getenv("COHORT_SECRET").getBytes(UTF_8), 4096)) {
      // A store that has been running has logged before; the first line loads the time zone data,
      // which would fail once descriptors are gone (and leave logging broken for the process).
      System.getLogger(StarvedStoreMain.class.getName())
          .log(System.Logger.Level.INFO, "store up on port " + server.port());
      System.out.println("PORT " + server.port());
      String command;
      while ((command = commands.readLine()) != null) {
        if (command.equals("exhaust")) {
          System.out.println("EXHAUSTED after " + exhaust(held) + " files");
        } else if (command.equals("top up")) {
          // Descriptors that the JVM closed since (a connection's socket) are taken too.
          exhaust(held);
          System.out.println("TOPPED UP");
        } else if (command.equals("release")) {
          for (FileInputStream f : held) {
            f.close();
          }
          held.clear();
          System.out.println("RELEASED");
        }
      }
    }
  }

  /** Opens files until none is left; returns how many are held then. */
  private static int exhaust(List<FileInputStream> held) {
    try {
      while (true) {
        held.add(new FileInputStream("/dev/null"));
      }
    } catch (IOException e) {
      return held.size();
    }
  }
}
