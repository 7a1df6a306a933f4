/**
 * zod/mini with English messages. zod/mini loads no locale, so every issue would
 * say only "Invalid input"; the config and fixture errors quote zod's English
 * ("Too small: expected string to have >=1 characters"). Imported for its effect by
 * every module that builds a schema, before it builds one. The locale's own module
 * is imported, not `z.locales`, so a bundle holds English alone (the build refuses
 * any other locale).
 */
import * as z from "zod/mini";
import en from "zod/v4/locales/en.js";

z.config(en());
