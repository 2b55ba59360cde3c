package dev.cohort.cli;

/** A fake worker for launcher tests: rank 1 prints a few lines and exits with 7; others wait. */
public final class CrashingWorker {
  private CrashingWorker() {}

  public static void main(String[] args) throws InterruptedException {
    int rank = Integer.parseInt(System.getenv("RANK"));
    if (rank == 1) {
      for (int i = 1; i <= 20; i++) {
        System.out.println("rank 1 line " + i);
      }
      System.out.flush();
      Thread.sleep(300);
      System.exit(7);
    }
    Thread.sleep(120_000);
  }
}
