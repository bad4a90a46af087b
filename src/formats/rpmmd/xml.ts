/**
 * XML escaping for rpm-md documents, byte-compatible with createrepo_c 0.17, which serialises through
 * libxml2's xmlNodeDump without a document encoding: element text escapes & < > and CR, attribute values also
 * escape the double quote, TAB and LF, and write every non-ASCII character as a hexadecimal character reference.
 *
 * Characters XML 1.0 forbids (C0 controls other than TAB/LF/CR, unpaired surrogates, U+FFFE/U+FFFF) are
 * dropped: createrepo_c drops them from Latin-1 strings and refuses the whole package when valid UTF-8 carries
 * them, but one odd changelog byte should not make a package unpublishable. C1 controls (U+0080..U+009F) are
 * dropped too: they only reach us from Windows-1252 text read as Latin-1, and createrepo_c drops those bytes.
 */

const ILLEGAL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u0080-\u009f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Removes the characters an XML 1.0 document cannot contain. */
export function dropIllegalXmlChars(s: string): string {
  return s.replace(ILLEGAL, '');
}

const TEXT_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '\r': '&#13;' };

/** Escapes element text (not for attribute values: a double quote is left as is, as libxml2 does). */
export function escapeXml(s: string): string {
  return dropIllegalXmlChars(s).replace(/[&<>\r]/g, (c) => TEXT_ESCAPES[c]);
}

const ATTR_ESCAPES: Record<string, string> = {
  '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', '\r': '&#13;', '\n': '&#10;', '\t': '&#9;',
};

/** Escapes an attribute value for use inside double quotes. */
export function escapeXmlAttr(s: string): string {
  return dropIllegalXmlChars(s).replace(/[&<>"\r\n\t]|[^\p{ASCII}]/gu, (c) => {
    const named = ATTR_ESCAPES[c];
    return named ?? `&#x${(c.codePointAt(0) ?? 0).toString(16).toUpperCase()};`;
  });
}
