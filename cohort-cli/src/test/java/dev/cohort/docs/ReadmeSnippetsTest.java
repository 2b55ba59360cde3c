package dev.cohort.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every Java snippet in the README compiles against Cohort as it is. A snippet that declares a
 * class is a compilation unit (all of them compile together, so one may use another); any other
 * snippet is a method body, compiled with the imports below and nothing else in scope: it has to
 * declare what it uses.
 */
class ReadmeSnippetsTest {
  private static final Pattern JAVA = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL);

  private static final String IMPORTS =
      String.join(
          "\n",
          "import dev.cohort.comm.*;",
          "import dev.cohort.train.*;",
          "import dev.cohort.train.data.*;",
          "import dev.cohort.train.ddp.*;",
          "import dev.cohort.train.nn.*;",
          "import java.nio.ByteBuffer;",
          "import java.nio.file.Path;",
          "import java.time.Duration;",
          "import java.util.List;",
          "");

  @Test
  void everyJavaSnippetInTheReadmeShouldCompile(@TempDir Path out) throws IOException {
    Path readme = findReadme();
    Matcher m = JAVA.matcher(Files.readString(readme, StandardCharsets.UTF_8));
    List<JavaFileObject> units = new ArrayList<>();
    int fragments = 0;
    while (m.find()) {
      String code = m.group(1);
      Matcher cls = Pattern.compile("public (?:final )?class (\\w+)").matcher(code);
      if (cls.find()) {
        units.add(source(cls.group(1), code));
      } else {
        String name = "ReadmeSnippet" + ++fragments;
        units.add(
            source(
                name,
                IMPORTS
                    + "class "
                    + name
                    + " {\n  void run() throws Exception {\n"
                    + code
                    + "\n  }\n}\n"));
      }
    }
    assertThat(units).as("Java snippets in " + readme).hasSizeGreaterThanOrEqualTo(3);
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    StringWriter errors = new StringWriter();
    boolean ok =
        javac
            .getTask(
                errors,
                null,
                null,
                List.of(
                    "-proc:none",
                    "-d",
                    out.toString(),
                    "-cp",
                    System.getProperty("java.class.path")),
                null,
                units)
            .call();
    assertThat(ok).as("README snippets fail to compile:%n%s", errors).isTrue();
  }

  private static JavaFileObject source(String className, String code) {
    return new SimpleJavaFileObject(
        java.net.URI.create("string:///" + className + ".java"), JavaFileObject.Kind.SOURCE) {
      @Override
      public CharSequence getCharContent(boolean ignoreEncodingErrors) {
        return code;
      }
    };
  }

  private static Path findReadme() {
    for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
      if (Files.exists(p.resolve("README.md")) && Files.exists(p.resolve("cohort-comm"))) {
        return p.resolve("README.md");
      }
    }
    throw new IllegalStateException("README.md not found above " + Path.of("").toAbsolutePath());
  }
}
