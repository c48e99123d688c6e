"""The pages' words in English and Hindi. A missing Hindi entry falls back to English."""

from __future__ import annotations

LANGUAGES = ("en", "hi")

WORDS: dict[str, tuple[str, str]] = {
    "title": ("Pramaan: council certificates online", "प्रमाण: परिषद प्रमाणपत्र ऑनलाइन"),
    "for_professionals": ("For professionals", "पेशेवरों के लिए"),
    "for_staff": ("For council and board staff", "परिषद एवं बोर्ड कर्मचारियों के लिए"),
    "email": ("Your registered e-mail", "आपका पंजीकृत ई-मेल"),
    "send_code": ("Send me a sign-in code", "मुझे साइन-इन कोड भेजें"),
    "code_sent": (
        ("If this address is on a council's or board's register, a 6-digit code is on its "
         "way."),
        ("यदि यह पता किसी परिषद या बोर्ड के रजिस्टर में है, तो 6 अंकों का कोड भेजा जा रहा "
         "है।"),
    ),
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
    "addressee": ("Addressee", "प्राप्तकर्ता"),
    "purpose": ("Purpose", "प्रयोजन"),
    "destination": ("Destination", "गंतव्य"),
    "correction": ("Correction of particulars (with a supporting document)",
                   "विवरण में सुधार (सहायक दस्तावेज़ सहित)"),
    "field": ("What to correct", "क्या सुधारना है"),
    "value": ("As it should read", "सही विवरण"),
    "field_hint": ("The particular in the register that is wrong",
                   "रजिस्टर का वह विवरण जो गलत है"),
    "value_hint": ("Exactly as it should be printed", "ठीक वैसा जैसा छपना चाहिए"),
    "kind_needs.correction": (("If your name or another particular in the register is wrong: say "
                               "what, and how it should read, then upload a supporting document."),
                              ("यदि रजिस्टर में आपका नाम या कोई अन्य विवरण गलत है: बताएँ क्या, और "
                               "सही विवरण क्या है, फिर सहायक दस्तावेज़ अपलोड करें।")),
    "name": ("Name", "नाम"),
    "name_hi": ("Name in Hindi", "हिंदी में नाम"),
    "father_name": ("Father's name", "पिता का नाम"),
    "date_of_birth": ("Date of birth (YYYY-MM-DD)", "जन्म तिथि (YYYY-MM-DD)"),
    "qualification": ("Qualification to add (degree; university; year)",
                      "जोड़ी जाने वाली योग्यता (उपाधि; विश्वविद्यालय; वर्ष)"),
    "apply": ("Apply", "आवेदन करें"),
    "application": ("Application", "आवेदन"),
    "state": ("Status", "स्थिति"),
    "submitted": ("Submitted", "जमा किया गया"),
    "queried": ("Question asked", "प्रश्न पूछा गया"),
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
    "error": ("This could not be done", "यह नहीं हो सका"),
    "back": ("Back", "वापस"),
    "empty_queue": ("Nothing is waiting.", "कुछ भी लंबित नहीं है।"),
    "register_refuses": ("The register does not allow this certificate now",
                         "रजिस्टर अभी यह प्रमाणपत्र जारी करने की अनुमति नहीं देता"),
    "approval_disabled": ("Approval is disabled until the register allows it.",
                          "रजिस्टर की अनुमति मिलने तक स्वीकृति बंद है।"),
    "cannot_proceed": ("This application cannot proceed", "यह आवेदन आगे नहीं बढ़ सकता"),
    "ask_council": ("Please contact the council.", "कृपया परिषद से संपर्क करें।"),
    "ineligible": ("not eligible now", "अभी अपात्र"),
    "renewals": ("Due for renewal", "नवीनीकरण देय"),
    "registration_type": ("Registration type", "पंजीकरण प्रकार"),
    "correct_heading": ("Correct the register", "रजिस्टर में सुधार"),
    "superseded": ("superseded", "प्रतिस्थापित"),
    "disciplinary_action": ("disciplinary action", "अनुशासनात्मक कार्रवाई"),
    "registration_cancelled": ("registration cancelled", "पंजीकरण रद्द"),
    "error_in_data": ("error in data", "विवरण में त्रुटि"),
    "fraud": ("fraud", "धोखाधड़ी"),
    "overdue": ("overdue", "अतिदेय"),
    "proceedings": ("Disciplinary proceedings", "अनुशासनात्मक कार्यवाही"),
    "open": ("open", "लंबित"),
    "outcome": ("Outcome", "परिणाम"),
    "close": ("Close", "समाप्त करें"),
    "suspend": ("Suspend the registration", "पंजीकरण निलंबित करें"),
    "restore": ("Restore the registration", "पंजीकरण बहाल करें"),
    "remove": ("Remove from the register", "रजिस्टर से हटाएँ"),
    "correct": ("Correct and re-issue", "सुधारें और पुनः जारी करें"),
    "open_proceedings": ("Open proceedings", "कार्यवाही आरंभ करें"),
    "reference": ("Reference", "संदर्भ"),
    "opened_on": ("Opened on", "आरंभ तिथि"),
    "order": ("Order reference", "आदेश संदर्भ"),
    "until_day": ("Last day (optional)", "अंतिम दिन (वैकल्पिक)"),
    "reinstated": ("Reinstated", "पुनः वैध"),
    "disciplinary_inquiry": ("disciplinary inquiry", "अनुशासनात्मक जाँच"),
    "court_order": ("court order", "न्यायालय आदेश"),
    "non_renewal": ("pending renewal", "नवीनीकरण लंबित"),
    "other": ("other", "अन्य"),
    "disciplinary": ("disciplinary action", "अनुशासनात्मक कार्रवाई"),
    "deceased": ("deceased", "मृत्यु"),
    "voluntary": ("voluntary", "स्वैच्छिक"),
    "not-renewed": ("not renewed", "नवीनीकरण नहीं"),
    "entered-in-error": ("entered in error", "त्रुटिवश प्रविष्ट"),
    "act_suspended": ("Suspended", "निलंबित"),
    "act_removed": ("Removed", "हटाया गया"),
    "act_restored": ("Restored", "बहाल"),
    "act_renewed": ("Renewed", "नवीनीकृत"),
    "act_corrected": ("Corrected", "सुधारा गया"),
    "act_made_permanent": ("Made permanent", "स्थायी किया गया"),
    "act_proceedings_opened": ("Proceedings opened", "कार्यवाही आरंभ"),
    "act_proceedings_closed": ("Proceedings closed", "कार्यवाही समाप्त"),
    "register_state": ("On the register", "रजिस्टर में स्थिति"),
    "renewal_due": ("renewal due", "नवीनीकरण देय"),
    "register.active": ("Active", "सक्रिय"),
    "register.suspended": ("Suspended", "निलंबित"),
    "register.removed": ("Removed", "हटाया गया"),
}

WORDS.update({
    "brand": ("Pramaan", "प्रमाण"),
    "code_sent_to": (
        ("If this address is on a council's or board's register, a 6-digit code is on its "
         "way to"),
        ("यदि यह पता किसी परिषद या बोर्ड के रजिस्टर में है, तो 6 अंकों का कोड भेजा जा रहा "
         "है:"),
    ),
    "change_address": ("Use another address", "दूसरा पता दें"),
    "code_expired": (("This code has expired or was replaced by a newer one. Ask for a new code "
                     "below."), ("इस कोड की अवधि समाप्त हो गई है या इसकी जगह नया कोड भेजा गया है। "
                     "नीचे से नया कोड माँगें।")),
    "code_used_up": ("Too many wrong tries for this code. Ask for a new code below.",
                     "इस कोड के लिए बहुत अधिक गलत प्रयास हुए। नीचे से नया कोड माँगें।"),
    "code_wrong": ("This code is not right.", "यह कोड सही नहीं है।"),
    "tries_left": ("Tries left", "शेष प्रयास"),
    "no_code": (("No code after a few minutes? Check the spam folder, or ask for a new one (the "
                "earlier code then stops working)."), ("कुछ मिनट में कोड नहीं आया? स्पैम फ़ोल्डर "
                "देखें, या नया कोड माँगें (तब पहले वाला कोड काम नहीं करेगा)।")),
    "resend": ("Send a new code", "नया कोड भेजें"),
    "kind_needs.good-standing": (("For a regulator or employer abroad: give who it is for and "
                                 "why."), ("विदेशी नियामक या नियोक्ता के लिए: किसके लिए और किस "
                                 "प्रयोजन से, यह बताएँ।")),
    "kind_needs.noc": (("To register with another council: give the purpose and where to. Needs "
                       "a permanent registration."), ("किसी अन्य परिषद में पंजीकरण के लिए: प्रयोजन "
                       "और गंतव्य बताएँ। स्थायी पंजीकरण आवश्यक है।")),
    "kind_needs.duplicate": (("If your Registration Certificate is lost or damaged. Nothing to "
                             "fill in."), ("यदि आपका पंजीकरण प्रमाणपत्र खो गया या खराब हो गया है। "
                             "कुछ भरना नहीं है।")),
    "kind_needs.renewal": ("When your registration is due for renewal. Nothing to fill in.",
                           "जब आपके पंजीकरण का नवीनीकरण होना हो। कुछ भरना नहीं है।"),
    "all_required": ("Every field on this form is required.", "इस फ़ॉर्म का हर खाना आवश्यक है।"),
    "required": ("required", "आवश्यक"),
    "addressee_hint": (("Who the certificate is for, e.g. General Medical Council, United "
                       "Kingdom"), ("प्रमाणपत्र किसके लिए है, जैसे जनरल मेडिकल काउंसिल, यूनाइटेड "
                       "किंगडम")),
    "purpose_hint": ("Why it is needed, e.g. registration abroad",
                     "इसकी आवश्यकता क्यों है, जैसे विदेश में पंजीकरण"),
    "destination_hint": ("The council or country you are moving to",
                         "वह परिषद या देश जहाँ आप जा रहे हैं"),
    "documents_to_upload": ("Documents to upload", "अपलोड करने के दस्तावेज़"),
    "upload_after": ("You add them on the application's page, right after you apply.",
                     "आवेदन करते ही, आवेदन के पृष्ठ पर इन्हें जोड़ें।"),
    "upload_optional": ("Add a document (PDF, JPEG or PNG; optional)",
                        "दस्तावेज़ जोड़ें (PDF, JPEG या PNG; वैकल्पिक)"),
    "add_document": ("Add a document", "दस्तावेज़ जोड़ें"),
    "you_submitted": ("What you submitted", "आपने क्या जमा किया"),
    "the_council": ("the council", "परिषद"),
    "next.submitted": (
        ("Your application will be reviewed. You will get an e-mail when it is decided or "
         "if there is a question."),
        ("आपके आवेदन की समीक्षा की जाएगी। निर्णय होने पर या कोई प्रश्न होने पर आपको ई-मेल "
         "मिलेगा।"),
    ),
    "next.queried": (
        ("A question was asked about your application. Answer it below; the review goes on "
         "once you send your answer."),
        ("आपके आवेदन पर एक प्रश्न पूछा गया है। नीचे उत्तर दें; उत्तर भेजते ही समीक्षा आगे "
         "बढ़ेगी।"),
    ),
    "next.answered": (
        ("Your answer has been received and the review goes on. You will get an e-mail "
         "when it is decided."),
        "आपका उत्तर मिल गया है और समीक्षा जारी है। निर्णय होने पर आपको ई-मेल मिलेगा।",
    ),
    "next.approved": (("Approved: the certificate has been issued and e-mailed to you. You can "
                      "also download it here."), ("स्वीकृत: प्रमाणपत्र जारी कर आपको ई-मेल किया गया "
                      "है। आप इसे यहाँ से भी डाउनलोड कर सकते हैं।")),
    "next.rejected": (
        ("This application was not approved, for the reason below. You may apply again "
         "once it no longer applies."),
        ("यह आवेदन नीचे दिए कारण से स्वीकृत नहीं हुआ। कारण दूर होने पर आप फिर से आवेदन कर "
         "सकते हैं।"),
    ),
    "event.submitted": ("Application submitted", "आवेदन जमा किया गया"),
    "event.queried": ("Question asked", "प्रश्न पूछा गया"),
    "event.answered": ("Answer sent", "उत्तर भेजा गया"),
    "event.approved": ("Approved and issued", "स्वीकृत और जारी"),
    "event.rejected": ("Rejected", "अस्वीकृत"),
    "event.document_added": ("Document added", "दस्तावेज़ जोड़ा गया"),
    "home_title": ("Council certificates online", "परिषद प्रमाणपत्र ऑनलाइन"),
    "staff_menu": ("Staff menu", "कर्मचारी मेनू"),
    "role.viewer": ("viewer", "दर्शक"),
    "role.reviewer": ("reviewer", "समीक्षक"),
    "role.registrar": ("registrar", "रजिस्ट्रार"),
    "role.admin": ("administrator", "प्रशासक"),
    "permanent": ("permanent", "स्थायी"),
    "provisional": ("provisional", "अनंतिम"),
    "temporary": ("temporary", "अस्थायी"),
    "active": ("valid", "वैध"),
    "suspended": ("suspended", "निलंबित"),
    "revoked": ("revoked", "रद्द"),
    "decide": ("Decision", "निर्णय"),
    "approve_hint": ("You will see what will be issued, to whom, before anything is issued.",
                     "कुछ भी जारी होने से पहले आप देखेंगे कि क्या और किसे जारी होगा।"),
    "ask_send": ("Send the question", "प्रश्न भेजें"),
    "confirm_approve": ("Approve and issue?", "स्वीकृत करें और जारी करें?"),
    "confirm_intro": (("Approving issues this certificate now, signs it and e-mails it to the "
                      "holder. Check it before you confirm."), ("स्वीकृति से यह प्रमाणपत्र अभी जारी "
                      "होगा, हस्ताक्षरित होगा और धारक को ई-मेल होगा। पुष्टि से पहले जाँच लें।")),
    "issued_to": ("Issued to", "किसे जारी"),
    "mailed_to": ("E-mailed to", "ई-मेल पता"),
    "no_email": ("no e-mail address on the register: it is not mailed",
                 "रजिस्टर में ई-मेल पता नहीं: ई-मेल नहीं होगा"),
    "and_digilocker": ("and pushed to DigiLocker", "और डिजिलॉकर में भेजा जाएगा"),
    "effect.good-standing": ("A Good Standing Certificate is valid for six months from today.",
                             "सुस्थिति प्रमाणपत्र आज से छह महीने तक वैध रहता है।"),
    "effect.noc": ("A No-Objection Certificate is valid for six months from today.",
                   "अनापत्ति प्रमाणपत्र आज से छह महीने तक वैध रहता है।"),
    "effect.duplicate": (("The holder's current Registration Certificate is revoked as "
                         "superseded, so a lost copy no longer verifies."), ("धारक का वर्तमान "
                         "पंजीकरण प्रमाणपत्र प्रतिस्थापित मानकर रद्द होगा, ताकि खोई प्रति सत्यापित "
                         "न हो।")),
    "effect.renewal": (("The register's licence period is extended to the date below and earlier "
                       "Registration Certificates are superseded."), ("रजिस्टर में लाइसेंस अवधि "
                       "नीचे दी गई तिथि तक बढ़ेगी और पहले के पंजीकरण प्रमाणपत्र प्रतिस्थापित होंगे।")),
    "confirm_issue": ("Yes, issue and e-mail it", "हाँ, जारी करें और ई-मेल करें"),
    "cancel": ("Cancel", "वापस जाएँ"),
    "register_email": ("E-mail on the register", "रजिस्टर में ई-मेल"),
    "question_from": ("Question from the {name}", "{name} का प्रश्न"),
    "staff_email": ("Your work e-mail", "आपका कार्यालय ई-मेल"),
    "staff_code_sent_to": (("If this address has a staff account, a 6-digit code is on its way "
                           "to"), ("यदि इस पते का कर्मचारी खाता है, तो 6 अंकों का कोड भेजा जा रहा "
                           "है:")),
    "token_sign_in": ("Sign in with an API token instead", "इसके बजाय API टोकन से साइन इन करें"),
    "token_refused": ("This token does not work: it is wrong, expired or revoked.",
                      "यह टोकन काम नहीं करता: यह गलत, समाप्त या रद्द है।"),
})


def translator(lang: str):  # type: ignore[no-untyped-def]
    index = 1 if lang == "hi" else 0

    def t(key: str) -> str:
        pair = WORDS.get(key)
        return pair[index] if pair else key
    return t
