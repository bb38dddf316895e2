//! The prompt's stylesheet, adopted into its shadow root. Sites restyle it
//! through the `--tp-*` custom properties on the host and `::part()` names.

pub const CSS: &str = r#"
:host{all:initial;position:fixed;z-index:2147483647;inset:auto 16px 16px auto;display:block;
--tp-brand:#3730a3;--tp-on-brand:#fff;--tp-bg:#fff;--tp-fg:#1f2937;--tp-muted:#4b5563;--tp-radius:12px;
--tp-font:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif}
*{box-sizing:border-box;font:inherit;color:inherit;margin:0}
.tp{position:relative;width:min(380px,calc(100vw - 32px));background:var(--tp-bg);color:var(--tp-fg);
font-family:var(--tp-font);font-size:16px;line-height:1.4;border-radius:var(--tp-radius);
box-shadow:0 10px 30px rgba(0,0,0,.25);padding:20px 16px 16px}
.q{display:block;font-weight:600;padding:0 32px 12px 0}
.group{border:0;padding:0}
.scale{display:grid;grid-template-columns:repeat(auto-fit,minmax(28px,1fr));gap:4px}
.pt{position:relative;display:flex}
.pt input{position:absolute;opacity:0;inset:0;width:100%;height:100%;cursor:pointer}
.pt span{flex:1;display:flex;align-items:center;justify-content:center;min-height:36px;border:1px solid var(--tp-muted);
border-radius:6px;font-size:14px}
.pt input:checked+span{background:var(--tp-brand);border-color:var(--tp-brand);color:var(--tp-on-brand)}
.pt input:focus-visible+span{outline:3px solid var(--tp-brand);outline-offset:2px}
.ends{display:flex;justify-content:space-between;color:var(--tp-muted);font-size:13px;padding-top:6px}
.why{display:block;padding:12px 0 4px;font-size:14px}
textarea{display:block;width:100%;resize:vertical;border:1px solid var(--tp-muted);border-radius:6px;padding:8px;
font-size:16px;background:var(--tp-bg)}
textarea:focus-visible,button:focus-visible{outline:3px solid var(--tp-brand);outline-offset:2px}
button{cursor:pointer;border:0;background:none}
.send{display:block;margin:12px 0 0 auto;min-height:44px;padding:0 20px;border-radius:6px;background:var(--tp-brand);
color:var(--tp-on-brand);font-weight:600}
.send:disabled{opacity:.6;cursor:not-allowed}
.x{position:absolute;top:6px;right:6px;width:44px;height:44px;border-radius:50%;font-size:24px;line-height:1;color:var(--tp-muted)}
.thanks{padding:8px 40px 8px 0;font-weight:600}
@media (max-width:599px){:host{inset:auto 0 0 0}
.tp{width:100%;border-radius:var(--tp-radius) var(--tp-radius) 0 0;padding-bottom:calc(16px + env(safe-area-inset-bottom))}
.scale{grid-template-columns:repeat(6,1fr)}.pt span{min-height:44px}}
@media (prefers-reduced-motion:no-preference){.tp{animation:tp-in .2s ease-out}}
@keyframes tp-in{from{transform:translateY(12px);opacity:0}}
"#;
