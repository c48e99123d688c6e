"""An error met on a page, said in the page's language: what went wrong and what to do, in the
words of the person at the form, never the API's English detail. The machine code stays on the
element (``data-error``) for tests and support."""

from __future__ import annotations

from schemas.errors import (
    ActiveContent,
    CsrfRejected,
    DuplicateApplication,
    Forbidden,
    InputTooComplex,
    InputTooLarge,
    InvalidApplicationTransition,
    InvalidData,
    InvalidRequest,
    MethodNotAllowed,
    NotFound,
    PramaanError,
    RateLimited,
    RegistrationNotCurrent,
    RegistrationNotPermanent,
    TooManyDocuments,
    UnreadableInput,
    UnsupportedInput,
)

MESSAGES: dict[str, tuple[str, str]] = {
    InvalidData.code: ("Please check what you typed: something is missing or not accepted.",
                     "कृपया जो लिखा है उसे जाँचें: कुछ छूट गया है या स्वीकार्य नहीं है।"),
    f"{InvalidData.code}.message": ("Please type your answer (up to 2,000 characters).",
                             "कृपया अपना उत्तर लिखें (अधिकतम 2,000 अक्षर)।"),
    f"{InvalidData.code}.details": (("Please fill in every field marked required (up to 200 "
                                     "characters "
                             "each)."), ("कृपया 'आवश्यक' चिह्नित हर खाना भरें (हर एक में अधिकतम 200 "
                             "अक्षर)।")),
    f"{InvalidData.code}.renewed_until": (("Give the new end date of the licence, after the "
                                          "current one."),
                                   "लाइसेंस की नई अंतिम तिथि दें, जो वर्तमान तिथि के बाद हो।"),
    f"{InvalidData.code}.question": ("Please type the question (up to 2,000 characters).",
                              "कृपया प्रश्न लिखें (अधिकतम 2,000 अक्षर)।"),
    f"{InvalidData.code}.reason": ("Please type the reason (up to 2,000 characters).",
                            "कृपया कारण लिखें (अधिकतम 2,000 अक्षर)।"),
    f"{InvalidData.code}.email": ("This is not an e-mail address. Please check it.",
                           "यह ई-मेल पता नहीं है। कृपया इसे जाँचें।"),
    InvalidRequest.code: ("Please check what you typed: something is missing or not accepted.",
                        "कृपया जो लिखा है उसे जाँचें: कुछ छूट गया है या स्वीकार्य नहीं है।"),
    DuplicateApplication.code: (("You already have an open application for this certificate on "
                              "this registration. Follow that one."),
                              ("इस पंजीकरण पर इस प्रमाणपत्र का आपका एक आवेदन पहले से खुला है। "
                              "कृपया उसी को देखें।")),
    TooManyDocuments.code: ("This application has as many documents as it may hold.",
                                       ("इस आवेदन में जितने दस्तावेज़ हो सकते हैं, उतने जुड़ चुके "
                                       "हैं।")),
    InvalidApplicationTransition.code: (("This application has moved on meanwhile; the page now "
                                       "shows where it stands."),
                                       ("इस बीच आवेदन आगे बढ़ चुका है; पृष्ठ अब उसकी स्थिति दिखाता "
                                       "है।")),
    RegistrationNotCurrent.code: (("This registration is not current. A lapsed registration is "
                                 "restored at the council's office, not online."),
                                 ("यह पंजीकरण वर्तमान में वैध नहीं है। समाप्त पंजीकरण परिषद/बोर्ड के "
                                 "कार्यालय में बहाल होता है, ऑनलाइन नहीं।")),
    RegistrationNotPermanent.code: ("A No-Objection Certificate needs a permanent registration.",
                                   "अनापत्ति प्रमाणपत्र के लिए स्थायी पंजीकरण आवश्यक है।"),
    UnsupportedInput.code: (("This file is not a PDF, JPEG or PNG. Please choose one of "
                               "those."), ("यह फ़ाइल PDF, JPEG या PNG नहीं है। कृपया इनमें से कोई "
                               "चुनें।")),
    UnreadableInput.code: ("This file cannot be read. Please save it again and choose it again.",
                         "यह फ़ाइल पढ़ी नहीं जा सकती। कृपया इसे फिर से सहेजकर चुनें।"),
    ActiveContent.code: (("This PDF holds scripts or other active content. Please print it "
                             "to a plain PDF and choose that."),
                             ("इस PDF में स्क्रिप्ट या अन्य सक्रिय सामग्री है। कृपया इसे सादे PDF "
                             "में प्रिंट करके चुनें।")),
    InputTooComplex.code: (("This file is too complex to check. Please save it as a simpler PDF "
                          "or an image."), ("यह फ़ाइल जाँचने के लिए बहुत जटिल है। कृपया इसे सरल "
                          "PDF या चित्र के रूप में सहेजें।")),
    InputTooLarge.code: ("This file is too large. Please choose a smaller one.",
                          "यह फ़ाइल बहुत बड़ी है। कृपया छोटी फ़ाइल चुनें।"),
    RateLimited.code: (("Too many codes were asked for in the last hour. Use the latest "
                             "code you received, or try again in an hour."),
                             ("पिछले एक घंटे में बहुत अधिक कोड माँगे गए। मिला हुआ नवीनतम कोड "
                             "उपयोग करें, या एक घंटे बाद फिर प्रयास करें।")),
    CsrfRejected.code: (("This form was open too long or came from another page. Please submit it "
                  "again."), ("यह फ़ॉर्म बहुत देर तक खुला रहा या किसी अन्य पृष्ठ से आया। कृपया इसे "
                  "फिर से भेजें।")),
    Forbidden.code: ("Your account may not do this for this council.",
                       "आपका खाता इस परिषद/बोर्ड के लिए यह कार्य नहीं कर सकता।"),
    NotFound.code: ("There is no such page, or it is not yours to see.",
                  "ऐसा कोई पृष्ठ नहीं है, या इसे देखने की अनुमति आपको नहीं है।"),
    MethodNotAllowed.code: ("This page cannot be opened this way. Please go back.",
                                   "यह पृष्ठ इस तरह नहीं खुलता। कृपया वापस जाएँ।"),
}
FALLBACK = ("Something went wrong on our side. Please try again in a minute.",
            "हमारी ओर से कुछ गड़बड़ हुई। कृपया एक मिनट बाद फिर प्रयास करें।")
CLIENT_FALLBACK = ("This could not be done. Please check the form and try again.",
                   "यह नहीं हो सका। कृपया फ़ॉर्म जाँचकर फिर प्रयास करें।")


def problem_text(err: PramaanError, lang: str) -> str:
    """What to tell the person at the form about ``err``, in ``lang``: by the code and, for bad
    data, the field it names; a plain fallback for codes a form does not expect."""
    index = 1 if lang == "hi" else 0
    field = err.facts.get("field")
    for key in (f"{err.code}.{field}" if field else None, err.code):
        if key and key in MESSAGES:
            return MESSAGES[key][index]
    return (CLIENT_FALLBACK if err.http_status < 500 else FALLBACK)[index]
