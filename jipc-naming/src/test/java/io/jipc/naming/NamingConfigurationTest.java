package io.jipc.naming;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The bootstrap answer: the naming URI from the system property, else the configuration file, else
 * {@code local:/}; clear errors for malformed URIs and missing backends. (The environment variable
 * sits between the two and cannot be set from inside a JVM; the build runs without it.)
 */
class NamingConfigurationTest {
    private String home;

    @BeforeEach
    void isolate(@TempDir Path dir) {
        home = System.getProperty("user.home");
        System.setProperty("user.home", dir.toString());
        System.clearProperty(NamingConfiguration.PROPERTY);
    }

    @AfterEach
    void restore() {
        System.setProperty("user.home", home);
        System.clearProperty(NamingConfiguration.PROPERTY);
    }

    @Test
    void withoutConfigurationTheLocalServiceIsUsed() {
        org.junit.jupiter.api.Assumptions.assumeTrue(System.getenv(NamingConfiguration.ENVIRONMENT) == null
                && System.getenv("XDG_CONFIG_HOME") == null, "the environment configures naming");
        assertEquals(NamingConfiguration.LOCAL, NamingConfiguration.uri());
    }

    @Test
    void theConfigurationFileGivesTheUriAfterCommentsAndBlankLines() throws IOException {
        org.junit.jupiter.api.Assumptions.assumeTrue(System.getenv(NamingConfiguration.ENVIRONMENT) == null
                && System.getenv("XDG_CONFIG_HOME") == null, "the environment configures naming");
        Path file = NamingConfiguration.configFile();
        Files.createDirectories(file.getParent());
        Files.writeString(file, "# the ensemble of the lab\n\n  zk://zk1:2181,zk2:2181/lab  \n");
        assertEquals(URI.create("zk://zk1:2181,zk2:2181/lab"), NamingConfiguration.uri());
        System.setProperty(NamingConfiguration.PROPERTY, "local:");
        assertEquals(NamingConfiguration.LOCAL, NamingConfiguration.uri(), "the property comes first");
    }

    @Test
    void aMalformedUriSaysWhereItCameFrom() {
        System.setProperty(NamingConfiguration.PROPERTY, "zk://bad host/");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, NamingConfiguration::uri);
        assertTrue(e.getMessage().contains("system property jipc.naming"), e.getMessage());
    }

    @Test
    void aSchemeWithoutBackendSaysWhatToAdd() {
        NameServiceUnavailableException e = assertThrows(NameServiceUnavailableException.class,
                () -> NameService.open(URI.create("zk://localhost:2181/jipc")));
        assertTrue(e.getMessage().contains("jipc-naming-zk"), e.getMessage());
        assertThrows(NameServiceUnavailableException.class, () -> NameService.open(URI.create("etcd://h:1/")));
        assertThrows(IllegalArgumentException.class, () -> NameService.open(URI.create("relative/path")));
        assertThrows(IllegalArgumentException.class, () -> NameService.open(URI.create("local:/elsewhere")));
        e = assertThrows(NameServiceUnavailableException.class, () -> NameService.open(URI.create("ZK://localhost:2181/j")));
        assertTrue(e.getMessage().contains("jipc-naming-zk"), e.getMessage());
    }

    @Test
    void theSchemeMayBeWrittenInAnyCase() {
        try (NameService names = NameService.open(URI.create("LOCAL:/"))) {
            assertTrue(names.lookup("nothing/here").isEmpty());
        }
        System.setProperty(NamingConfiguration.PROPERTY, "Local");
        assertEquals(NamingConfiguration.LOCAL, NamingConfiguration.uri());
    }
}
