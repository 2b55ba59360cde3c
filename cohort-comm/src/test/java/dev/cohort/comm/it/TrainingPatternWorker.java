package dev.cohort.comm.it;

import dev.cohort.comm.CommConfig;
import dev.cohort.comm.ProcessGroup;
import dev.cohort.comm.ProcessGroups;
import java.util.List;

/**
 * A rank process for {@link TrainingPatternStressTest}: forms a world, runs the collectives of a
 * training step ({@link TrainingPattern}) for the given number of steps while {@code busy} threads
 * compete for the cores, and prints {@code OK <collectives> over <transports>}. On a wrong result
 * or any failure it prints one line prefixed FAILED and exits with status 3.
 *
 * <p>Arguments: rank size storePort steps busyThreads [jitter]. Configuration comes from COHORT_*
 * variables.
 */
public final class TrainingPatternWorker {
  private TrainingPatternWorker() {}

  public static void main(String[] args) {
    int rank = Integer.parseInt(args[0]);
    int size = Integer.parseInt(args[1]);
    int port = Integer.parseInt(args[2]);
    int steps = Integer.parseInt(args[3]);
    List<Thread> busy = TrainingPattern.busy(Integer.parseInt(args[4]));
    try (ProcessGroup pg =
        ProcessGroups.init(
            CommConfig.fromEnvironment(),
            new ProcessGroups.Init("127.0.0.1", port, rank, size, 0, rank == 0))) {
      TrainingPattern pattern =
          new TrainingPattern(pg, args.length > 5 && Boolean.parseBoolean(args[5]));
      pattern.run(0, steps);
      System.out.println("OK " + pattern.calls() + " collectives over " + pg.stats().transports());
      System.out.flush();
    } catch (RuntimeException | AssertionError e) {
      System.err.println("FAILED " + String.valueOf(e).replace('\n', ' '));
      System.err.flush();
      System.exit(3);
    } finally {
      busy.forEach(Thread::interrupt);
    }
  }
}
