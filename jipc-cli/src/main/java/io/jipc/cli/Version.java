package io.jipc.cli;

import picocli.CommandLine;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The version of jipc, from the build. */
final class Version implements CommandLine.IVersionProvider {
    static String version() {
        try (InputStream in = Version.class.getResourceAsStream("version.properties")) {
            Properties p = new Properties();
            if (in != null) {
                p.load(in);
            }
            return p.getProperty("version", "unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }

    @Override
    public String[] getVersion() {
        return new String[] {"jipc " + version(), "Java " + Runtime.version() + " (" + System.getProperty("java.home") + ")"};
    }
}
