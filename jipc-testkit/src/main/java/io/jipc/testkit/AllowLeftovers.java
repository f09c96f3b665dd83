package io.jipc.testkit;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a test class whose tests deliberately leave objects in the jipc root (hostile-file tests);
 * {@link JipcTestExtension} deletes them without failing the class.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface AllowLeftovers {
}
