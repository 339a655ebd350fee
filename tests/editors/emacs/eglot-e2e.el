;;; eglot-e2e.el --- Emacs (batch) with Eglot as Alice: a teammate's edit shows as a Flymake diagnostic -*- lexical-binding: t -*-
;; Opens $TANDEM_TEST_FILE, starts `tandem lsp' through Eglot (the command in $TANDEM_TEST_CMD, JSON), waits
;; for Tandem to be online, changes line $TANDEM_TEST_LINE (0-based) in the buffer, says "ready" on stderr,
;; then waits for Tandem's diagnostic and writes what Emacs shows to $TANDEM_TEST_OUT (JSON).

(require 'package)
(package-initialize)
(require 'eglot)
(require 'json)

(defvar tandem-presence nil "The latest tandem/presence params.")
(cl-defmethod eglot-handle-notification (_server (_method (eql tandem/presence)) &rest params)
  (setq tandem-presence params))

(defun tandem-test-env (name) (or (getenv name) (error "%s is not set" name)))
(defconst tandem-test-wait (/ (string-to-number (tandem-test-env "TANDEM_TEST_WAIT_MS")) 1000.0))

(defun tandem-test-finish (result ok)
  (with-temp-file (tandem-test-env "TANDEM_TEST_OUT")
    (insert (json-encode result)))
  (kill-emacs (if ok 0 1)))

(defun tandem-test-wait-for (what condition)
  (let ((deadline (+ (float-time) tandem-test-wait)))
    (while (and (not (funcall condition)) (< (float-time) deadline))
      (accept-process-output nil 0.05))
    (or (funcall condition) (tandem-test-finish `((error . ,(format "timed out waiting for %s" what))
                                                  (presence . ,tandem-presence))
                                                nil))))

(let* ((command (append (json-read-from-string (tandem-test-env "TANDEM_TEST_CMD")) nil))
       (options '(:tandem (:statusProgress :json-false :notifyConflicts :json-false :debounceMs 0))))
  (setq eglot-server-programs `((python-mode . (,@command :initializationOptions ,options)))))

(find-file (tandem-test-env "TANDEM_TEST_FILE"))
(call-interactively #'eglot)
(tandem-test-wait-for "Tandem online"
                      (lambda () (and tandem-presence
                                      (equal (plist-get tandem-presence :connection) "online")
                                      (plist-get tandem-presence :project))))

(goto-char (point-min))
(forward-line (string-to-number (tandem-test-env "TANDEM_TEST_LINE")))
(delete-region (line-beginning-position) (line-end-position))
(insert (tandem-test-env "TANDEM_TEST_TEXT"))
;; Eglot sends changes from an idle timer, and batch Emacs is never idle: send them as that timer would.
(eglot--signal-textDocument/didChange)
(message "\nTANDEM-TEST ready")

(defun tandem-test-diagnostics ()
  (flymake-start)
  (seq-filter (lambda (d) (string-prefix-p "tandem" (downcase (flymake-diagnostic-text d))))
              (flymake-diagnostics)))
(tandem-test-wait-for "Tandem's diagnostic and presence"
                      (lambda () (and (tandem-test-diagnostics)
                                      (> (plist-get (plist-get tandem-presence :findings) :conflict) 0))))

(tandem-test-finish
 `((diagnostics . ,(vconcat
                    (mapcar (lambda (d)
                              `((line . ,(1- (line-number-at-pos (flymake-diagnostic-beg d))))
                                (type . ,(symbol-name (flymake-diagnostic-type d)))
                                (text . ,(flymake-diagnostic-text d))))
                            (tandem-test-diagnostics))))
   (presence . ,tandem-presence)
   (emacs . ,emacs-version))
 t)
