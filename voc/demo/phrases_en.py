"""English phrase parts for Lumen Market verbatims (see voc.demo.text for how they combine).

Tuples indexed by tone are (negative, neutral, positive). ``{email}`` and
``{phone}`` in PII sentences are replaced by the customer's own details in SQL.
"""

SEPARATOR = " "
SPEAKERS = ("Agent:", "Customer:")
SUBJECT_LABEL = "Subject:"

OPENERS = (
    ("Really disappointed this time.", "Not happy at all.", "This is getting ridiculous.",
     "I have to complain.", "Honestly, what a mess.", "Very frustrating experience.",
     "Not impressed, Lumen.", "Third time this happens to me."),
    ("Some feedback on my last order.", "Quick note.", "A mixed experience overall.",
     "Just sharing my experience.", "For what it's worth:", "Here is my feedback.",
     "Been a customer for a while now.", "Okay-ish experience."),
    ("Love shopping with Lumen!", "Great experience as always.", "Really happy with this order.",
     "Lumen never lets me down.", "Five stars from me.", "Very pleased overall.",
     "Big fan of Lumen Market.", "Another smooth order."),
)
CLOSERS = (
    ("I'm seriously thinking about cancelling.", "Please fix this.", "Not what I pay for.",
     "I expect better.", "Won't recommend this to friends.", "Very disappointing.",
     "Considering other shops now."),
    ("Hope this gets looked at.", "Otherwise fine.", "Could be better.", "We'll see next time.",
     "Just letting you know.", "Not a big deal, but still.", "Thanks for reading."),
    ("Keep it up!", "Will definitely order again.", "Highly recommend.", "Thank you, Lumen!",
     "Happy customer here.", "Worth every penny.", "Already told my friends."),
)
DIALOGUE_CLOSERS = (
    ("That's not good enough, honestly.", "Fine, but I want this escalated.",
     "I've heard that before.", "I'll think about cancelling then.", "Okay. Not happy though."),
    ("Okay, thanks.", "Alright, I'll wait then.", "Got it, thank you.", "Fine, let's see.",
     "Okay, please send me an update."),
    ("Perfect, thank you so much!", "Great, that was quick.", "Thanks, you've been very helpful.",
     "Brilliant, appreciate it.", "Lovely, thanks for sorting it."),
)
CONNECTORS = ("Also:", "On top of that:", "Another thing:", "Separately:", "And one more thing:")

ISSUES = {
    "delivery_late": (
        "My parcel arrived three days late.", "The delivery was late again.",
        "My order still hasn't arrived and it's past the promised date.",
        "The package showed up two days after the promised date.",
        "Delivery took a week instead of the promised three days.",
        "I waited all day and the courier never came."),
    "delivery_damaged": (
        "The box arrived crushed.", "Half of the items were broken when they arrived.",
        "The package was soaking wet on my doorstep.", "The glass jar was smashed inside the box.",
        "My order came with a torn bag and missing pieces.", "The parcel looked like it had been dropped."),
    "price": (
        "The new subscription price is too high.", "Prices have gone up way too much.",
        "I pay more every month for the same thing.", "The monthly fee is no longer worth it.",
        "The price increase came out of nowhere.", "Other shops are cheaper now."),
    "app_usability": (
        "The app is confusing to use.", "I couldn't find my order history in the app.",
        "The app keeps logging me out.", "Search in the app never finds what I want.",
        "The app freezes when I try to check out.", "Changing my address in the app is impossible."),
    "product_quality": (
        "The product quality was poor.", "The item stopped working after a week.",
        "The fruit was already going bad.", "The shirt shrank after the first wash.",
        "What I received looked nothing like the photos.", "The product felt cheap and flimsy."),
    "support_wait": (
        "I waited forever to reach support.", "I was on hold for over half an hour.",
        "Nobody answered my email for days.", "The chat queue took ages.",
        "I had to call three times before someone picked up.", "Support took too long to respond."),
    "support_resolution": (
        "My problem still isn't solved.", "Support closed my ticket without fixing anything.",
        "I had to explain the same issue to three different agents.",
        "The agent promised a refund that never came.", "Nobody could actually help me.",
        "I got a generic answer that didn't fix my problem."),
    "billing": (
        "I was charged twice this month.", "My invoice shows a fee I never agreed to.",
        "The refund still hasn't shown up on my card.", "I was billed after I paused my plan.",
        "The charge on my statement doesn't match my plan.", "My payment failed but I was charged anyway."),
    "checkout_outage": (
        "Checkout was down and I couldn't pay.", "The payment page kept failing for hours.",
        "I couldn't place my order because the site was broken.",
        "Every time I tried to pay I got an error.", "The checkout page just spun and spun.",
        "My order went through three times during the outage."),
    "fast_delivery": (
        "Delivery was super fast.", "My order arrived the next day.",
        "The parcel came a day earlier than promised.", "Shipping was quicker than expected.",
        "The courier came right on time.", "Got my package in record time."),
    "friendly_staff": (
        "The agent was really friendly.", "Support was kind and patient with me.",
        "The person who helped me was very professional.", "Your team sorted it out in minutes.",
        "Staff went out of their way to help.", "Lovely support team."),
    "good_value": (
        "Great value for money.", "The subscription pays for itself.", "Prices are fair for the quality.",
        "The member discounts are really worth it.", "Good deals every week.",
        "Cheaper than the shops around me."),
    "product_love": (
        "I love the products.", "Everything I ordered was excellent.",
        "The quality is really good.", "My kids love the snacks from Lumen.",
        "The new kitchen range is fantastic.", "Best coffee beans I've ever ordered."),
    "feature_request": (
        "It would be nice to choose a delivery time slot.", "Please add a wishlist to the app.",
        "I'd like to pause my plan for a month.", "Could you add more payment options?",
        "A dark mode in the app would be great.", "Please let me combine orders into one delivery."),
}
DETAILS = {
    "delivery_late": ("Tracking said out for delivery for two days.", "I needed it for the weekend.",
                      "Nobody told me about the delay.", "It was a birthday present."),
    "delivery_damaged": ("I sent photos to support.", "The packaging was far too thin.",
                         "It was meant as a gift.", "This is the second damaged box this month."),
    "price": ("I've been a member for years.", "I didn't get any warning about the change.",
              "Hard to justify in this economy.", "I used to think it was good value."),
    "app_usability": ("I gave up and used the website.", "I'm not a tech person but this is too hard.",
                      "The last update made it worse.", "It took me 20 minutes to place one order."),
    "product_quality": ("I had to throw it away.", "I want to return it.",
                        "I expected better from Lumen.", "The reviews were much better than reality."),
    "support_wait": ("The hold music is still in my head.", "I had to leave for work before anyone answered.",
                     "The estimated wait said five minutes.", "It was a simple question."),
    "support_resolution": ("I have a case number but nothing happens.", "Each agent told me something different.",
                           "I'm still waiting for a callback.", "This has been going on for weeks."),
    "billing": ("I need the money back.", "My bank flagged the payment.",
                "I checked my statement twice.", "Please correct my invoice."),
    "checkout_outage": ("I tried on the app and the website.", "I lost my whole basket.",
                        "I ended up buying elsewhere.", "No message explained what was wrong."),
    "fast_delivery": ("Well packed too.", "Just in time for dinner.", "The tracking was spot on.",
                      "The courier was polite."),
    "friendly_staff": ("She even followed up the next day.", "He explained everything clearly.",
                       "I felt listened to.", "The refund was done on the spot."),
    "good_value": ("Free delivery makes a big difference.", "I save a lot compared to supermarkets.",
                   "The family plan is a bargain.", "Worth the monthly fee."),
    "product_love": ("Will reorder for sure.", "Fresh and well packed.", "Exactly as described.",
                     "Much better than what I used to buy."),
    "feature_request": ("Other shops already have this.", "It would save me a lot of time.",
                        "Just an idea.", "I would use it every week."),
}
REPLIES = {
    "delivery_late": ("I'm sorry about the delay, I've asked the courier for an update.",
                      "Apologies, there are delays in your area. I've added a voucher to your account."),
    "delivery_damaged": ("Sorry about that! I'll send a replacement right away.",
                         "I'm sorry, I've issued a full refund for the damaged items."),
    "price": ("I understand. The new price applies to the Starter plan from this month.",
              "I hear you. I can offer you a discount on your next three orders."),
    "app_usability": ("Sorry for the trouble, let me walk you through it.",
                      "Thanks for telling us, I've passed this to our app team."),
    "product_quality": ("I'm sorry, I've started a return for you.",
                        "Apologies, I'll refund that item and report it to quality control."),
    "support_wait": ("I'm sorry for the long wait, we're very busy today.",
                     "Apologies for the wait, thanks for holding."),
    "support_resolution": ("Let me escalate this to my supervisor.",
                           "I'm sorry you had to contact us again, I'll own this case."),
    "billing": ("I can see the double charge, I've refunded it.",
                "Let me check your invoice, one moment please."),
    "checkout_outage": ("We're having a checkout outage, our engineers are working on it.",
                        "Sorry, payments are failing right now. Please try again later today."),
    "fast_delivery": ("Great to hear it arrived quickly!", "Thanks, I'll pass that on to our delivery team."),
    "friendly_staff": ("Thank you, that's kind of you to say!", "Happy I could help!"),
    "good_value": ("Glad you're enjoying your membership!", "Thanks, we work hard to keep prices fair."),
    "product_love": ("So glad you like it!", "Thanks for the lovely feedback!"),
    "feature_request": ("Great idea, I'll share it with the product team.",
                        "Thanks for the suggestion, I've logged it."),
}
SUBJECTS = {
    "delivery_late": ("Where is my order?", "Late delivery"),
    "delivery_damaged": ("Damaged parcel", "Broken items in my order"),
    "price": ("Subscription price", "Price increase"),
    "app_usability": ("App problem", "Can't use the app"),
    "product_quality": ("Faulty product", "Quality complaint"),
    "support_wait": ("No reply yet", "Still waiting for support"),
    "support_resolution": ("Issue not resolved", "Follow-up on my case"),
    "billing": ("Wrong charge", "Billing question"),
    "checkout_outage": ("Cannot pay", "Checkout error"),
    "fast_delivery": ("Thank you", "Quick delivery"),
    "friendly_staff": ("Thanks to your team", "Great service"),
    "good_value": ("Happy member", "Membership"),
    "product_love": ("Loved my order", "Compliment"),
    "feature_request": ("Suggestion", "Feature idea"),
}
GREETINGS = {
    "chat": ("Hi, thanks for contacting Lumen Market! How can I help today?",
             "Hello, you're chatting with Lumen support. What can I do for you?",
             "Hi there, this is Lumen Market support. How can I help?",
             "Welcome to Lumen chat! What can I help you with?"),
    "call": ("Thank you for calling Lumen Market, this is Sam. How can I help?",
             "Lumen Market customer care, Maria speaking.",
             "Hello, this is Jordan from Lumen. What can I do for you today?",
             "Thanks for holding, you're through to Lumen Market."),
}
EMAIL_OPENINGS = ("Hello Lumen team,", "Hi there,", "Dear Lumen Market support,", "To whom it may concern,")
SIGNOFFS = ("Regards", "Thanks,", "Best wishes", "Sent from my phone")
SOCIAL_OPENERS = ("@LumenMarket", "Hey @LumenMarket,", "PSA:", "Honest review of @LumenMarket:")
HASHTAGS = (("#LumenMarket #fail", "#customerservice", "#LumenMarket"),
            ("#LumenMarket", "#onlineshopping", "#delivery"),
            ("#LumenMarket #happycustomer", "#shoplocal", "#recommended"))
PII = ("You can reach me at {email}.", "My email is {email} if you need it.",
       "Call me back on {phone}.", "My number is {phone}.")
