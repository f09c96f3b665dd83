package io.jipc.mailbox;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A test of the mailbox contract, run once per {@link MailboxConfig configuration}; the method
 * takes the {@link MailboxConfig} as its parameter.
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@ParameterizedTest(name = "{0}")
@MethodSource("io.jipc.mailbox.MailboxConfig#all")
@interface ContractTest {
}
