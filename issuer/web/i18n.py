"""The pages' words in English and Hindi. A missing Hindi entry falls back to English."""

from __future__ import annotations

LANGUAGES = ("en", "hi")

WORDS: dict[str, tuple[str, str]] = {
    "title": ("Pramaan: council certificates online", "प्रमाण: परिषद प्रमाणपत्र ऑनलाइन"),
    "for_professionals": ("For professionals", "पेशेवरों के लिए"),
    "for_staff": ("For council staff", "परिषद कर्मचारियों के लिए"),
    "email": ("Your registered e-mail", "आपका पंजीकृत ई-मेल"),
    "send_code": ("Send me a sign-in code", "मुझे साइन-इन कोड भेजें"),
    "code_sent": ("If this address is on a council's register, a 6-digit code is on its way.",
                  "यदि यह पता किसी परिषद के रजिस्टर में है, तो 6 अंकों का कोड भेजा जा रहा है।"),
    "code": ("Sign-in code", "साइन-इन कोड"),
    "sign_in": ("Sign in", "साइन इन करें"),
    "sign_out": ("Sign out", "साइन आउट"),
    "my_applications": ("My applications", "मेरे आवेदन"),
    "new_application": ("New application", "नया आवेदन"),
    "registration": ("Registration", "पंजीकरण"),
    "kind": ("Certificate", "प्रमाणपत्र"),
    "good-standing": ("Good Standing Certificate", "सुस्थिति प्रमाणपत्र"),
    "noc": ("No-Objection Certificate", "अनापत्ति प्रमाणपत्र"),
    "duplicate": ("Duplicate Registration Certificate", "डुप्लिकेट पंजीकरण प्रमाणपत्र"),
    "renewal": ("Renewed Registration Certificate", "नवीनीकृत पंजीकरण प्रमाणपत्र"),
    "correction": ("Correction of particulars (with a supporting document)",
                   "विवरण में सुधार (सहायक दस्तावेज़ सहित)"),
    "field": ("Correction: what to correct", "सुधार: क्या सुधारना है"),
    "value": ("Correction: as it should read", "सुधार: सही विवरण"),
    "name": ("Name", "नाम"),
    "name_hi": ("Name in Hindi", "हिंदी में नाम"),
    "father_name": ("Father's name", "पिता का नाम"),
    "date_of_birth": ("Date of birth (YYYY-MM-DD)", "जन्म तिथि (YYYY-MM-DD)"),
    "qualification": ("Qualification to add (degree; university; year)",
                      "जोड़ी जाने वाली योग्यता (उपाधि; विश्वविद्यालय; वर्ष)"),
    "addressee": ("Addressee (e.g. a foreign regulator)", "प्राप्तकर्ता (जैसे विदेशी नियामक)"),
    "purpose": ("Purpose", "उद्देश्य"),
    "destination": ("Destination council", "गंतव्य परिषद"),
    "fields_hint": (("Good Standing: addressee and purpose. NOC: purpose and destination. "
                    "Duplicate or renewal: nothing more. Correction: what, and as it should read; "
                    "then upload the supporting document."),
                    ("सुस्थिति: प्राप्तकर्ता और उद्देश्य। अनापत्ति: उद्देश्य और गंतव्य। "
                    "डुप्लिकेट या नवीनीकरण: कुछ और नहीं। सुधार: क्या, और सही विवरण; फिर सहायक "
                    "दस्तावेज़ अपलोड करें।")),
    "apply": ("Apply", "आवेदन करें"),
    "application": ("Application", "आवेदन"),
    "state": ("Status", "स्थिति"),
    "submitted": ("Submitted", "जमा किया गया"),
    "queried": ("Question from the council", "परिषद का प्रश्न"),
    "answered": ("Answered", "उत्तर दिया गया"),
    "approved": ("Approved", "स्वीकृत"),
    "rejected": ("Rejected", "अस्वीकृत"),
    "history": ("History", "इतिहास"),
    "documents": ("Supporting documents", "सहायक दस्तावेज़"),
    "upload": ("Upload (PDF, JPEG or PNG)", "अपलोड करें (PDF, JPEG या PNG)"),
    "answer": ("Your answer", "आपका उत्तर"),
    "send": ("Send", "भेजें"),
    "download": ("Download the certificate (PDF)", "प्रमाणपत्र डाउनलोड करें (PDF)"),
    "none_yet": ("None yet.", "अभी कोई नहीं।"),
    "staff_token": ("Staff token", "कर्मचारी टोकन"),
    "queue": ("Review queue", "समीक्षा कतार"),
    "council": ("Council", "परिषद"),
    "all": ("All", "सभी"),
    "show": ("Show", "दिखाएँ"),
    "waiting_since": ("Waiting since", "प्रतीक्षा आरंभ"),
    "applicant": ("Applicant", "आवेदक"),
    "register_record": ("Register entry", "रजिस्टर प्रविष्टि"),
    "father": ("Father's name", "पिता का नाम"),
    "valid": ("Valid", "वैध"),
    "qualifications": ("Qualifications", "योग्यताएँ"),
    "certificates": ("Certificates", "प्रमाणपत्र"),
    "approve": ("Approve and issue", "स्वीकृत करें और जारी करें"),
    "renewed_until": ("Renewed until (renewals only)", "नवीनीकरण तिथि तक (केवल नवीनीकरण)"),
    "reject": ("Reject", "अस्वीकार करें"),
    "reason": ("Reason", "कारण"),
    "ask": ("Ask the applicant", "आवेदक से पूछें"),
    "question": ("Question", "प्रश्न"),
    "sla": ("Waiting times", "प्रतीक्षा समय"),
    "waiting": ("Waiting for the council", "परिषद के पास लंबित"),
    "oldest": ("Oldest (hours)", "सबसे पुराना (घंटे)"),
    "median_wait": ("Median wait (hours)", "माध्यिका प्रतीक्षा (घंटे)"),
    "with_applicant": ("With the applicant", "आवेदक के पास"),
    "decided": ("Decided, 30 days", "निर्णीत, 30 दिन"),
    "median_processing": ("Median processing (hours)", "माध्यिका प्रक्रिया समय (घंटे)"),
    "error": ("Something was not right", "कुछ ठीक नहीं था"),
    "back": ("Back", "वापस"),
    "empty_queue": ("Nothing is waiting.", "कुछ भी लंबित नहीं है।"),
    "register_refuses": ("The register does not allow this certificate now",
                         "रजिस्टर अभी यह प्रमाणपत्र जारी करने की अनुमति नहीं देता"),
    "approval_disabled": ("Approval is disabled until the register allows it.",
                          "रजिस्टर की अनुमति मिलने तक स्वीकृति बंद है।"),
    "cannot_proceed": ("This application cannot proceed", "यह आवेदन आगे नहीं बढ़ सकता"),
    "ask_council": ("Please contact the council.", "कृपया परिषद से संपर्क करें।"),
    "ineligible": ("not eligible now", "अभी अपात्र"),
    "register_state": ("On the register", "रजिस्टर में स्थिति"),
    "renewal_due": ("renewal due", "नवीनीकरण देय"),
    "active": ("Active", "सक्रिय"),
    "suspended": ("Suspended", "निलंबित"),
    "removed": ("Removed", "हटाया गया"),
}


def translator(lang: str):  # type: ignore[no-untyped-def]
    index = 1 if lang == "hi" else 0

    def t(key: str) -> str:
        pair = WORDS.get(key)
        return pair[index] if pair else key
    return t
