package dev.cohort.launch.spawn;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A command line that runs a main class on this JVM's class path with this JVM's {@code java}, with
 * libtorch's thread counts set (one worker process per rank must not oversubscribe the cores) and
 * DJL kept offline.
 *
 * @param mainClass the main class, on this JVM's class path
 * @param args its arguments
 * @param threads libtorch intra-op threads; 0 leaves libtorch's own default
 * @param jvmOptions options before the class path, e.g. {@code -Xmx1g}
 */
public record JavaCommand(
    String mainClass, List<String> args, int threads, List<String> jvmOptions) {

  public JavaCommand {
    args = List.copyOf(args);
    jvmOptions = List.copyOf(jvmOptions);
    if (threads < 0) {
      throw new IllegalArgumentException("threads must be >= 0, got " + threads);
    }
  }

  /**
   * The {@code cohort} command's entry point. Launchers start workers as {@code cohort worker ...};
   * they name the class because the launcher sits below the command-line module.
   */
  public static final String COHORT_MAIN = "dev.cohort.cli.Main";

  /**
   * What a JVM that trains needs: the Vector API, an incubator module in Java 17, for the
   * optimizer's SIMD kernels (without it they fall back to scalar code, bitwise the same but about
   * 3x slower). The JVM then prints one line on stderr at start, {@code WARNING: Using incubator
   * modules: jdk.incubator.vector}, which is why only workers get it ({@code
   * WorkerArgs.command()}).
   */
  public static final List<String> VECTOR_API = List.of("--add-modules", "jdk.incubator.vector");

  /** {@code cohort args...} (e.g. {@code store --port 0}) on this JVM's class path. */
  public static JavaCommand cohort(List<String> args) {
    return of(COHORT_MAIN, args);
  }

  /** {@code mainClass args...} with libtorch's defaults and no extra JVM options. */
  public static JavaCommand of(String mainClass, List<String> args) {
    return new JavaCommand(mainClass, args, 0, List.of());
  }

  /**
   * libtorch threads for each of {@code workers} processes on this host: the cores shared out
   * evenly, at least one, so that the workers together do not oversubscribe the machine.
   */
  public static int threadsPerWorker(int workers) {
    return Math.max(1, Runtime.getRuntime().availableProcessors() / workers);
  }

  /** The same command with {@code threads} libtorch threads. */
  public JavaCommand withThreads(int threads) {
    return new JavaCommand(mainClass, args, threads, jvmOptions);
  }

  /** The same command with these JVM options instead of its own, e.g. {@link #VECTOR_API}. */
  public JavaCommand withJvmOptions(List<String> jvmOptions) {
    return new JavaCommand(mainClass, args, threads, jvmOptions);
  }

  /** The full command line. */
  public List<String> toList() {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(jvmOptions);
    if (threads > 0) {
      cmd.add("-Dai.djl.pytorch.num_threads=" + threads);
      cmd.add("-Dai.djl.pytorch.num_interop_threads=1");
    }
    cmd.add("-Dai.djl.offline=true");
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(mainClass);
    cmd.addAll(args);
    return cmd;
  }
}
